/**
 * Webhook events from where they happen (PROTOCOL.md §15), each checked by a real receiver with
 * the `standardwebhooks` library: `notification.delivered` (a session got it), `seen`, `read`,
 * `deleted` (marks), `email.sent` and `email.failed` (the outbox's results), endpoint filters,
 * one user's events of an endpoint kept in order while an earlier one is being retried, and
 * `user.online`/`user.offline` after the (shortened) debounce, none for a quick reconnect.
 */
import { connectWs, eventually, type ServerFrame, useServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type SmtpCatcher, startSmtp } from "../email/smtp.js"
import { attemptsOf, createHook, QUICK_WEBHOOKS } from "./helpers.js"
import { type Delivery, type Receiver, startReceiver } from "./receiver.js"

let receiver: Receiver
let smtp: SmtpCatcher

beforeAll(async () => {
  receiver = await startReceiver()
  smtp = await startSmtp()
})
afterAll(async () => {
  expect(receiver.rejected).toEqual([])
  await receiver.close()
  await smtp.stop()
})

const server = useServer(() => ({
  env: { PUSHBACK_SMTP_URL: smtp.url },
  config: {
    webhooks: QUICK_WEBHOOKS,
    email: { pollMs: 200, retryMs: 200, retryMaxMs: 1000, leaseSeconds: 10 }
  }
}))

/** Marks with `user`'s token. */
const mark = async (token: string, body: Record<string, unknown>) => {
  const res = await server.request("PATCH", "/v1/me/notifications", { token, body })
  expect(res.status, res.text).toBe(200)
}

describe("webhook events", () => {
  it("sends delivered, seen, read and deleted, each to the endpoints subscribed to it", async () => {
    const app = await server.newApp()
    await createHook(server, app, receiver, "/marks", {
      events: ["notification.delivered", "notification.seen", "notification.read", "notification.deleted"]
    })
    await createHook(server, app, receiver, "/reads", { events: ["notification.read"] })
    const token = await server.userToken(app, "ana", { register: true })
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${token}`)
    await ws.next((f) => f.type === "welcome")
    const call = await server.notify(app, { users: ["ana"], title: "Hi", content: "x" })
    const frame = (await ws.next((f) => f.type === "notification")) as Extract<
      ServerFrame,
      { type: "notification" }
    >
    const id = frame.notification.id
    const [delivered] = await receiver.waitFor("/marks", (ds) => ds.length === 1)
    expect(delivered!.body).toMatchObject({
      type: "notification.delivered",
      data: { app: app.id, user: "ana", notification: id }
    })
    await mark(token, { ids: [id], seen: true })
    await receiver.waitFor("/marks", (ds) => ds.length === 2)
    await mark(token, { ids: [id], read: true })
    await receiver.waitFor("/marks", (ds) => ds.length === 3)
    await mark(token, { ids: [id], deleted: true })
    const all = await receiver.waitFor("/marks", (ds) => ds.length === 4)
    expect(all.map((d) => d.body.type)).toEqual([
      "notification.delivered",
      "notification.seen",
      "notification.read",
      "notification.deleted"
    ])
    for (const d of all.slice(1)) {
      expect(d.body.data).toEqual({ app: app.id, user: "ana", notification: id, call: call.id })
    }
    expect(new Set(all.map((d) => d.id)).size).toBe(4)
    const reads = await receiver.waitFor("/reads", (ds) => ds.length === 1)
    expect(reads.map((d) => d.body.type)).toEqual(["notification.read"])
    ws.close()
  })

  it("sends email.sent and email.failed from the outbox's results", async () => {
    const app = await server.newApp()
    await createHook(server, app, receiver, "/mail", { events: ["email.sent", "email.failed"] })
    smtp.answer = (address) =>
      address === "gone@example.test" ? { code: 550, message: "5.1.1 mailbox unavailable" } : undefined
    const call = await server.notify(app, {
      users: [
        { id: "bo", email: "bo@example.test" },
        { id: "gone", email: "gone@example.test" }
      ],
      title: "Mail",
      content: "x",
      email: { send: true }
    })
    const ds = await receiver.waitFor("/mail", (all) => all.length === 2)
    const byType = Object.fromEntries(ds.map((d) => [d.body.type, d.body.data]))
    expect(byType["email.sent"]).toMatchObject({
      app: app.id,
      user: "bo",
      call: call.id,
      email: "bo@example.test"
    })
    expect(byType["email.failed"]).toMatchObject({
      app: app.id,
      user: "gone",
      call: call.id,
      email: "gone@example.test"
    })
    expect(String(byType["email.failed"]!["error"])).toMatch(/550/)
  })

  it("keeps one user's events of an endpoint in order while an earlier one is retried", async () => {
    const app = await server.newApp()
    await createHook(server, app, receiver, "/order", { events: ["notification.read"] })
    receiver.script.set("/order", (_, n) => (n === 0 ? { status: 500 } : { status: 200 }))
    const token = await server.userToken(app, "cy", { register: true })
    const ids: Array<string> = []
    for (let i = 0; i < 3; i++) {
      await server.notify(app, { users: ["cy"], content: i })
    }
    const list = await server.request<{ results: Array<{ id: string }> }>("GET", "/v1/me/notifications", {
      token
    })
    ids.push(...list.body.results.map((n) => n.id).reverse())
    for (const id of ids) await mark(token, { ids: [id], read: true })
    const ds = await receiver.waitFor("/order", (all) => all.length === 4)
    const order = ds.map((d) => d.body.data["notification"])
    // The first failed, was retried, and the others waited for it.
    expect(order).toEqual([ids[0], ids[0], ids[1], ids[2]])
    expect(ds[0]!.id).toBe(ds[1]!.id)
  })

  it("sends each user's events of one claim in order, users side by side, while answers take varied times", async () => {
    // Several users' events queued together are claimed together: each user's go one after the
    // other (sendOrder.ts), a failed one holds back the ones after it, other users are not held.
    const app = await server.newApp()
    await createHook(server, app, receiver, "/claim", { events: ["notification.read"] })
    const users = ["ka", "kb", "kc", "kd"]
    const tokens = await Promise.all(users.map((u) => server.userToken(app, u, { register: true })))
    for (let i = 0; i < 6; i++) await server.notify(app, { users, content: i })
    const idsOf = new Map<string, Array<string>>()
    for (const [k, user] of users.entries()) {
      const list = await server.request<{ results: Array<{ id: string }> }>("GET", "/v1/me/notifications", {
        token: tokens[k]!
      })
      idsOf.set(user, list.body.results.map((n) => n.id).reverse())
    }
    // kb's first event fails once; answers come back in a shuffled order of delays.
    const first = idsOf.get("kb")![0]
    let failedOnce = false
    receiver.script.set("/claim", (d) => {
      if (d.body.data["notification"] === first && !failedOnce) {
        failedOnce = true
        return { status: 503 }
      }
      return { status: 200, delayMs: Math.floor(Math.random() * 30) }
    })
    // One mark per user: its six events are queued in one transaction, all due at once.
    await Promise.all(tokens.map((token) => mark(token, { all: true, read: true })))
    const ds = await receiver.waitFor("/claim", (all) => all.length === users.length * 6 + 1)
    for (const user of users) {
      const got = ds.filter((d) => d.body.data["user"] === user).map((d) => d.body.data["notification"])
      const want = idsOf.get(user)!
      expect(got, user).toEqual(user === "kb" ? [want[0], ...want] : want)
    }
    await new Promise((r) => setTimeout(r, 300))
    expect(receiver.to("/claim")).toHaveLength(users.length * 6 + 1)
  })

  it("sends user.online and user.offline once the user stayed so; a quick reconnect sends nothing", async () => {
    const app = await server.newApp()
    await createHook(server, app, receiver, "/presence", { events: ["user.online", "user.offline"] })
    const token = await server.userToken(app, "dee", { register: true })
    const open = async () => {
      const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${token}`)
      await ws.next((f) => f.type === "welcome")
      return ws
    }
    const first = await open()
    const [online] = await receiver.waitFor("/presence", (ds) => ds.length === 1)
    expect(online!.body).toMatchObject({ type: "user.online", data: { app: app.id, user: "dee" } })
    // A reload: closed and opened again well within the debounce.
    first.close()
    const second = await open()
    await new Promise((r) => setTimeout(r, QUICK_WEBHOOKS.presenceDebounceMs * 3))
    expect(receiver.to("/presence")).toHaveLength(1)
    second.close()
    const ds = await receiver.waitFor("/presence", (all) => all.length === 2)
    expect(ds[1]!.body).toMatchObject({ type: "user.offline", data: { app: app.id, user: "dee" } })
    expect(ds[1]!.at - ds[0]!.at).toBeGreaterThanOrEqual(QUICK_WEBHOOKS.presenceDebounceMs)
  })

  it("announces each of many users who come online together once, and each one going offline", async () => {
    const app = await server.newApp()
    await createHook(server, app, receiver, "/crowd", { events: ["user.online", "user.offline"] })
    const users = Array.from({ length: 30 }, (_, i) => `crowd${i}`)
    // Two sessions for some users: still one event each.
    const sockets = await Promise.all(
      users.flatMap((user, i) =>
        Array.from({ length: i % 3 === 0 ? 2 : 1 }, async () => {
          const token = await server.userToken(app, user, { register: true })
          const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${token}`)
          await ws.next((f) => f.type === "welcome")
          return ws
        })
      )
    )
    const online = await receiver.waitFor("/crowd", (ds) => ds.length >= users.length)
    const seen = (ds: typeof online, type: string) =>
      ds
        .map((d) => ({ type: d.body.type, user: String(d.body.data["user"]) }))
        .filter((b) => b.type === type)
        .map((b) => b.user)
        .sort()
    expect(seen(online, "user.online")).toEqual([...users].sort())
    for (const ws of sockets) ws.close()
    const all = await receiver.waitFor("/crowd", (ds) => ds.length >= 2 * users.length)
    await new Promise((r) => setTimeout(r, QUICK_WEBHOOKS.presenceDebounceMs * 2))
    expect(receiver.to("/crowd")).toHaveLength(2 * users.length)
    expect(seen(all, "user.offline")).toEqual([...users].sort())
  })

  it("with batch, sends the events queued meanwhile in one request, each once, each user's in order", async () => {
    const app = await server.newApp()
    const hook = await createHook(server, app, receiver, "/batch", {
      events: ["notification.read"],
      batch: true
    })
    receiver.script.set("/batch", (_, n) => (n === 0 ? { status: 200, delayMs: 800 } : { status: 200 }))
    const users = ["eve", "fox"]
    const tokens = await Promise.all(users.map((u) => server.userToken(app, u, { register: true })))
    for (let i = 0; i < 3; i++) await server.notify(app, { users, content: i })
    const ids = await Promise.all(
      tokens.map(async (token) => {
        const list = await server.request<{ results: Array<{ id: string }> }>("GET", "/v1/me/notifications", {
          token
        })
        return list.body.results.map((n) => n.id).reverse()
      })
    )
    const [eve, fox] = [ids[0]!, ids[1]!]
    await mark(tokens[0]!, { ids: [eve[0]], read: true })
    await receiver.waitFor("/batch", (ds) => ds.length === 1)
    // While the first request waits for its answer, five more events of two users are queued.
    for (const [i, id] of [eve[1], fox[0], eve[2], fox[1], fox[2]].entries()) {
      await mark(tokens[id === eve[1] || id === eve[2] ? 0 : 1]!, { ids: [id], read: true })
      expect(i).toBeLessThan(5)
    }
    const ds = await receiver.waitFor("/batch", (all) => all.length === 2)
    await new Promise((r) => setTimeout(r, 600))
    expect(receiver.to("/batch")).toHaveLength(2)
    const events = (d: Delivery) =>
      d.body.data["events"] as Array<{ id: string; data: { user: string; notification: string } }>
    expect(ds.map((d) => d.body.type)).toEqual(["batch", "batch"])
    expect(events(ds[0]!).map((e) => e.data.notification)).toEqual([eve[0]])
    const second = events(ds[1]!)
    expect(second).toHaveLength(5)
    expect(second.filter((e) => e.data.user === "eve").map((e) => e.data.notification)).toEqual(eve.slice(1))
    expect(second.filter((e) => e.data.user === "fox").map((e) => e.data.notification)).toEqual(fox)
    expect(new Set(second.map((e) => e.id)).size).toBe(5)
    // The attempts log names each request by its webhook-id.
    await eventually(async () => (await attemptsOf(server, app, hook)).length === 2, { what: "2 attempts" })
    const attempts = await attemptsOf(server, app, hook)
    expect(attempts.map((a) => [a.type, a.eventId, a.status])).toEqual(
      [...ds].reverse().map((d) => ["batch", d.id, 200])
    )
  })
})
