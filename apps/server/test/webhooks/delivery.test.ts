/**
 * Webhook delivery (PROTOCOL.md §15) to a real loopback receiver that verifies every request with
 * the `standardwebhooks` library: `webhook.test`, a 500 then a 200 (one `webhook-id`), Retry-After,
 * 410 disabling and re-enabling, rotation (both secrets sign), the failures that disable an
 * endpoint, and a retry pending across `kill -9`. The retry schedule is shortened by the config.
 */
import { lookup } from "node:dns/promises"
import { hostname } from "node:os"
import {
  createApp,
  eventually,
  request,
  startServer,
  type TestApp,
  type TestServer,
  useServer
} from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { attemptsOf, createHook, type Hook, QUICK_WEBHOOKS, readHook, sendTest } from "./helpers.js"
import { type Receiver, startReceiver } from "./receiver.js"

const server = useServer({ config: { webhooks: QUICK_WEBHOOKS } })
let receiver: Receiver

beforeAll(async () => {
  receiver = await startReceiver()
})
afterAll(async () => {
  expect(receiver.rejected).toEqual([])
  await receiver.close()
})

/** The endpoint's attempts once `n` are logged. */
const loggedAttempts = async (app: TestApp, hook: Hook, n: number) => {
  await eventually(async () => (await attemptsOf(server, app, hook)).length >= n, { what: `${n} attempts` })
  return attemptsOf(server, app, hook)
}

describe("webhook delivery", () => {
  it("sends webhook.test signed, with its id as webhook-id, and logs the attempt", async () => {
    const app = await server.newApp()
    const hook = await createHook(server, app, receiver, "/test", { events: ["message.created"] })
    const id = await sendTest(server, app, hook)
    const [got] = await receiver.waitFor("/test", (ds) => ds.length === 1)
    expect(got!.id).toBe(id)
    expect(got!.body).toMatchObject({ type: "webhook.test", data: { app: app.id, webhook: hook.id } })
    expect(Date.parse(got!.body.timestamp)).toBeGreaterThan(Date.now() - 60_000)
    expect(Math.abs(Number(got!.timestamp) - Date.now() / 1000)).toBeLessThan(60)
    // Logged once the answer is in, which may be just after the receiver saw the request.
    const [attempt] = await loggedAttempts(app, hook, 1)
    expect(attempt).toMatchObject({ eventId: id, type: "webhook.test", status: 200 })
    expect(attempt!.next).toBeUndefined()
    expect((await readHook(server, app, hook)).lastStatus).toBe(200)
  })

  it("retries a 500 after the schedule's delay with the same webhook-id, and honours Retry-After", async () => {
    const app = await server.newApp()
    const hook = await createHook(server, app, receiver, "/retry")
    receiver.script.set("/retry", (_, n) => (n === 0 ? { status: 500 } : { status: 200 }))
    const id = await sendTest(server, app, hook)
    const [first, second] = await receiver.waitFor("/retry", (ds) => ds.length === 2)
    expect([first!.id, second!.id]).toEqual([id, id])
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(0.3 * 0.8 * 1000 - 50)
    const attempts = await loggedAttempts(app, hook, 2)
    expect(attempts.map((a) => a.status)).toEqual([200, 500])
    expect(attempts[1]).toMatchObject({ error: "HTTP 500" })
    expect(attempts[1]!.next).toBeDefined()

    receiver.script.set("/retry", (_, n) =>
      n === 2 ? { status: 503, headers: { "retry-after": "2" } } : { status: 200 }
    )
    const later = await sendTest(server, app, hook)
    const ds = await receiver.waitFor("/retry", (all) => all.length === 4, "the retry after Retry-After")
    expect([ds[2]!.id, ds[3]!.id]).toEqual([later, later])
    expect(ds[3]!.at - ds[2]!.at).toBeGreaterThanOrEqual(1900)
  })

  it("a 410 disables the endpoint at once; PATCH enables it again", async () => {
    const app = await server.newApp()
    const hook = await createHook(server, app, receiver, "/gone")
    receiver.script.set("/gone", (_, n) => (n === 0 ? { status: 410 } : { status: 200 }))
    await sendTest(server, app, hook)
    await receiver.waitFor("/gone", (ds) => ds.length === 1)
    await eventually(async () => (await readHook(server, app, hook)).enabled === false, { what: "disabled" })
    expect(await readHook(server, app, hook)).toMatchObject({ disabledReason: "410 Gone", lastStatus: 410 })
    // Not retried.
    await new Promise((r) => setTimeout(r, 800))
    expect(receiver.to("/gone")).toHaveLength(1)

    const on = await server.request("PATCH", `/v1/webhooks/${hook.id}`, {
      token: app.secret,
      body: { enabled: true }
    })
    expect(on.body).toMatchObject({ enabled: true, disabledReason: null, failingSince: null })
    await sendTest(server, app, hook)
    await receiver.waitFor("/gone", (ds) => ds.length === 2)
  })

  it("only failures for disableAfterSeconds disable the endpoint", async () => {
    const app = await server.newApp()
    const hook = await createHook(server, app, receiver, "/down")
    receiver.script.set("/down", () => ({ status: 500 }))
    await sendTest(server, app, hook)
    await eventually(async () => (await readHook(server, app, hook)).enabled === false, {
      timeout: 10_000,
      what: "disabled after a second of failures"
    })
    const read = await readHook(server, app, hook)
    expect(read.disabledReason).toMatch(/^failing since /)
    const attempts = await attemptsOf(server, app, hook)
    expect(attempts.length).toBeGreaterThanOrEqual(3)
    expect(attempts.every((a) => a.status === 500)).toBe(true)
    // The last one, which disabled it, schedules nothing more.
    const count = receiver.to("/down").length
    await new Promise((r) => setTimeout(r, 1500))
    expect(receiver.to("/down")).toHaveLength(count)
  })

  it("after a rotation both the new and the old secret verify", async () => {
    const app = await server.newApp()
    const hook = await createHook(server, app, receiver, "/rotate")
    const rotated = await server.request<{ secret: string }>("POST", `/v1/webhooks/${hook.id}/secret`, {
      token: app.secret
    })
    receiver.secrets.set("/rotate", [rotated.body.secret, hook.secret])
    await sendTest(server, app, hook)
    const [got] = await receiver.waitFor("/rotate", (ds) => ds.length === 1)
    expect(got!.verifiedBy).toEqual([0, 1])
    expect(got!.signature.split(" ")).toHaveLength(2)
  })
})

describe("a retry pending across kill -9, and the send-time address check", () => {
  it("is delivered once the restarted node's receiver answers; a name resolving to loopback is refused at send", async () => {
    const first = await startServer({ config: { webhooks: QUICK_WEBHOOKS } })
    const app = await createApp(first)
    let current: TestServer = first
    const api = {
      request: <T>(method: string, path: string, options: { token?: string; body?: unknown } = {}) =>
        request<T>(current.url, method, path, options)
    }
    const hook = await createHook(api, app, receiver, "/crash")
    receiver.script.set("/crash", (_, n) =>
      n === 0 ? { status: 503, headers: { "retry-after": "2" } } : { status: 200 }
    )
    const id = await sendTest(api, app, hook)
    await receiver.waitFor("/crash", (ds) => ds.length === 1)
    await first.kill()
    current = await startServer({ dataDir: first.dataDir, config: { webhooks: QUICK_WEBHOOKS } })
    const ds = await receiver.waitFor("/crash", (all) => all.length === 2, "the retry after the restart")
    expect(ds.map((d) => d.id)).toEqual([id, id])
    await new Promise((r) => setTimeout(r, 500))
    expect(receiver.to("/crash")).toHaveLength(2)

    // The same database on a node that allows no private targets: an endpoint at a name that
    // resolves to loopback is refused when sending (the check is on the resolved address).
    const name = hostname()
    const resolved = await lookup(name)
    expect(resolved.address).toMatch(/^127\.|^::1$|^10\.|^172\.|^192\.168\./)
    const port = new URL(receiver.url).port
    const moved = await api.request("PATCH", `/v1/webhooks/${hook.id}`, {
      token: app.secret,
      body: { url: `http://${name}:${port}/crash` }
    })
    expect(moved.status).toBe(200)
    await current.kill()
    current = await startServer({
      dataDir: first.dataDir,
      config: { webhooks: { ...QUICK_WEBHOOKS, allowPrivate: false } }
    })
    try {
      const refused = await sendTest(api, app, hook)
      await eventually(async () => (await attemptsOf(api, app, hook)).some((a) => a.eventId === refused), {
        what: "the refused attempt"
      })
      const attempt = (await attemptsOf(api, app, hook)).find((a) => a.eventId === refused)!
      expect(attempt.status).toBeNull()
      expect(attempt.error).toMatch(/^refused: .* resolves to .*not a public address/)
      expect(receiver.to("/crash")).toHaveLength(2)
    } finally {
      await current.dispose()
    }
  })
})
