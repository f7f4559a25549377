/**
 * `useChannel` and `usePresence` against a real server (PROTOCOL.md §12), each user under their
 * own `ChannelsProvider` (one channels client each, `ws` as the WebSocket): both see each other in
 * presence, live (join and leave), a publish from one reaches the other, and unmounting one is a
 * leave for the other; under StrictMode one connection, not two; rendered to a string, nothing
 * opens. A public namespace with presence, join/leave and client publishing.
 */
import { request, startServer, type TestServer } from "@pushback/testkit"
import { act, cleanup, render, screen, waitFor } from "@testing-library/react"
import { StrictMode, useState } from "react"
import { renderToString } from "react-dom/server"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { ChannelsProvider, type UseChannelResult, useChannel, usePresence } from "../src/index.js"
import { type Backend, backend } from "./support.js"

let server: TestServer
let b: Backend

beforeAll(async () => {
  server = await startServer()
  b = await backend(server, "react-channels")
  const res = await request(server.url, "PUT", "/v1/namespaces/room", {
    token: b.app.secret,
    body: { public: true, presence: true, joinLeave: true, clientPublish: true }
  })
  if (res.status !== 200) throw new Error(`namespace: ${res.status} ${res.text}`)
})
afterAll(async () => {
  await server?.dispose()
})
afterEach(cleanup)

/** One user's view of `room:1`: who is there and what was published. */
function Room({ who, onApi }: { who: string; onApi: (api: UseChannelResult) => void }) {
  const api = useChannel("room:1")
  const members = usePresence("room:1")
  onApi(api)
  return (
    <div>
      <p data-testid={`${who}-members`}>
        {members
          .map((m) => m.id)
          .sort()
          .join(",")}
      </p>
      <p data-testid={`${who}-got`}>
        {api.publications.map((p) => `${p.user}:${(p.data as { t: string }).t}`).join(",")}
      </p>
    </div>
  )
}

/** Two users side by side; `bo` can be unmounted. */
function Two({ ana, bo, apis }: { ana: object; bo: object; apis: Record<string, UseChannelResult> }) {
  const [boHere, setBoHere] = useState(true)
  return (
    <>
      <ChannelsProvider options={ana as never}>
        <Room who="ana" onApi={(a) => (apis["ana"] = a)} />
      </ChannelsProvider>
      {boHere && (
        <ChannelsProvider options={bo as never}>
          <Room who="bo" onApi={(a) => (apis["bo"] = a)} />
        </ChannelsProvider>
      )}
      <button type="button" onClick={() => setBoHere(false)}>
        bo leaves
      </button>
    </>
  )
}

const text = (id: string) => screen.getByTestId(id).textContent

describe("useChannel and usePresence", () => {
  it("see each other in presence, receive each other's publications, and see a leave", async () => {
    const apis: Record<string, UseChannelResult> = {}
    render(<Two ana={await b.options("ana")} bo={await b.options("bo")} apis={apis} />)
    await waitFor(() => expect(text("ana-members")).toBe("ana,bo"), { timeout: 10_000 })
    await waitFor(() => expect(text("bo-members")).toBe("ana,bo"))
    await waitFor(() => expect(apis["ana"]?.subscribed).toBeDefined())
    expect(apis["ana"]!.subscribed).toMatchObject({ recovered: true, resubscribed: false })

    await act(() => apis["ana"]!.publish({ t: "hi" }).then(() => {}))
    await waitFor(() => expect(text("bo-got")).toBe("ana:hi"))
    await act(() => apis["bo"]!.publish({ t: "hello" }).then(() => {}))
    await waitFor(() => expect(text("ana-got")).toBe("bo:hello"))
    // The publishing session gets none of its own.
    expect(text("bo-got")).toBe("ana:hi")

    act(() => screen.getByText("bo leaves").click())
    await waitFor(() => expect(text("ana-members")).toBe("ana"), { timeout: 10_000 })
  })

  it("holds one channel connection under StrictMode, and opens none when rendered to a string", async () => {
    const html = renderToString(
      <ChannelsProvider options={await b.options("cy")}>
        <Room who="cy" onApi={() => {}} />
      </ChannelsProvider>
    )
    expect(html).toContain('data-testid="cy-members"></p>')
    expect(await b.sessions("cy")).toBe(0)

    render(
      <StrictMode>
        <ChannelsProvider options={await b.options("cy")}>
          <Room who="cy" onApi={() => {}} />
        </ChannelsProvider>
      </StrictMode>
    )
    await waitFor(() => expect(text("cy-members")).toBe("cy"), { timeout: 10_000 })
    expect(await b.sessions("cy")).toBe(1)
  })
})
