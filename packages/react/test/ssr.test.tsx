// @vitest-environment node
/**
 * Server rendering: with no `window` and no DOM, importing the package and rendering a
 * provider and every hook to a string works, shows the empty snapshot, and opens nothing.
 */
import { startServer, type TestServer } from "@pushback/testkit"
import { renderToString } from "react-dom/server"
import { afterAll, beforeAll, expect, it } from "vitest"
import {
  PushBackProvider,
  useConnectionState,
  useNotifications,
  usePushBackClient,
  useUnseenCount
} from "../src/index.js"
import { type Backend, backend } from "./support.js"

let server: TestServer
let b: Backend

beforeAll(async () => {
  server = await startServer()
  b = await backend(server, "react-ssr")
})
afterAll(async () => {
  await server?.dispose()
})

function Page() {
  const { notifications, hasMore } = useNotifications()
  const client = usePushBackClient()
  return (
    <main>
      <span id="badge">{useUnseenCount()}</span>
      <span id="state">{useConnectionState()}</span>
      <span id="list">{notifications.length}</span>
      <span id="more">{String(hasMore)}</span>
      <span id="client">{client === undefined ? "none" : "some"}</span>
    </main>
  )
}

it("renders to a string without window, with the empty snapshot, opening no connection", async () => {
  expect(typeof window).toBe("undefined")
  expect(typeof document).toBe("undefined")
  await b.notify("nia", "waiting")
  const html = renderToString(
    <PushBackProvider options={await b.options("nia")}>
      <Page />
    </PushBackProvider>
  )
  expect(html).toBe(
    '<main><span id="badge">0</span><span id="state">connecting</span><span id="list">0</span>' +
      '<span id="more">false</span><span id="client">none</span></main>'
  )
  expect(await b.sessions("nia")).toBe(0)
})
