/**
 * The service worker the server serves at `/pushback-sw.js` (PROTOCOL.md §14), its script as
 * served, run in a stand-in of a worker's global scope (Node's `vm`): a push is shown with its
 * title, body, tag and data (a body that is not JSON shown as text); a click closes it, opens
 * the message's `url` — or focuses a window already on it — and marks the notification read on
 * the real server with its `markToken` (checked through the API afterwards). Headless Firefox
 * (test/browser/firefox) shows a real push but cannot click a notification; this covers the click.
 */
import vm from "node:vm"
import { request, useServer } from "@pushback/testkit"
import { expect, it } from "vitest"
import { makeMarkToken } from "../../src/push/markToken.js"

const server = useServer()

type Handler = (event: Record<string, unknown>) => void

/** The served worker in a scope of its own; what it shows, opens and focuses is recorded. */
const runWorker = (source: string) => {
  const handlers = new Map<string, Handler>()
  const shown: Array<{ title: string; options: Record<string, unknown> }> = []
  const opened: Array<string> = []
  const focused: Array<string> = []
  const windows: Array<{ url: string; focus: () => Promise<void> }> = []
  const scope = {
    location: { href: `${server.url}/pushback-sw.js`, origin: "https://app.example" },
    addEventListener: (type: string, handler: Handler) => handlers.set(type, handler),
    skipWaiting: () => undefined,
    registration: {
      showNotification: async (title: string, options: Record<string, unknown>) => {
        shown.push({ title, options })
      }
    },
    clients: {
      claim: async () => undefined,
      matchAll: async () => windows,
      openWindow: async (url: string) => {
        opened.push(url)
      }
    }
  }
  vm.runInNewContext(source, { self: scope, URL, fetch, JSON, Promise })
  /** Fires `type` and waits for what the handler passed to `waitUntil`. */
  const fire = async (type: string, event: Record<string, unknown>) => {
    const waits: Array<Promise<unknown>> = []
    handlers.get(type)!({ ...event, waitUntil: (p: Promise<unknown>) => waits.push(p) })
    await Promise.all(waits)
  }
  const window = (url: string) => windows.push({ url, focus: async () => void focused.push(url) })
  return { handlers, shown, opened, focused, fire, window }
}

it("shows a push, and on a click opens or focuses its url and marks the notification read", async () => {
  const app = await server.newApp("service-worker")
  const sent = await request(server.url, "POST", "/v1/notify", {
    token: app.secret,
    body: { users: ["clicker"], title: "Hi", content: "there" }
  })
  expect(sent.status, sent.text).toBe(202)
  const inbox = () =>
    request<{ results: Array<{ id: string; readAt: string | null }> }>(
      server.url,
      "GET",
      "/v1/users/clicker/notifications",
      { token: app.secret }
    )
  const id = (await inbox()).body.results[0]!.id
  const markToken = makeMarkToken(app.secret, app.id, id)

  const served = await fetch(`${server.url}/pushback-sw.js`)
  expect(served.headers.get("content-type")).toMatch(/javascript/)
  const sw = runWorker(await served.text())
  expect([...sw.handlers.keys()].sort()).toEqual(["activate", "install", "notificationclick", "push"])

  const message = { id, title: "Hi", body: "there", url: "/inbox/1", markToken, data: { k: 1 } }
  await sw.fire("push", { data: { json: () => message, text: () => JSON.stringify(message) } })
  await sw.fire("push", {
    data: {
      json: () => {
        throw new SyntaxError("not JSON")
      },
      text: () => "plain words"
    }
  })
  expect(sw.shown).toEqual([
    {
      title: "Hi",
      options: { body: "there", tag: id, data: { id, url: "/inbox/1", markToken, data: { k: 1 } } }
    },
    { title: "New notification", options: { body: "plain words", data: {} } }
  ])

  // No window on the url yet: the click opens it, and marks the notification read.
  let closed = 0
  const click = () =>
    sw.fire("notificationclick", {
      notification: { data: sw.shown[0]!.options["data"], close: () => closed++ }
    })
  await click()
  expect(closed).toBe(1)
  expect(sw.opened).toEqual(["https://app.example/inbox/1"])
  expect((await inbox()).body.results[0]!.readAt).not.toBeNull()

  // A window already on it: focused, nothing opened.
  sw.window("https://app.example/inbox/1")
  await click()
  expect(sw.focused).toEqual(["https://app.example/inbox/1"])
  expect(sw.opened).toHaveLength(1)
})
