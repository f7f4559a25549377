/**
 * One conformance suite, every transport (PROTOCOL.md §4): the same steps run over
 * WebSocket, Server-Sent Events and long-polling against a real server, through the small
 * adapters of clients.ts. What differs by transport (how a refusal shows, whether a resumed
 * poll starts with `welcome`) is data in the adapter, not branches here.
 */
import type { NotificationFrame } from "@pushback/protocol/types"
import {
  createApp,
  eventually,
  isEntry,
  localToken,
  request,
  type ServerFrame,
  startServer,
  type TestApp,
  userToken,
  useServer
} from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type StreamClient, transport, transports } from "./clients.js"
import { liveSessions, metric, notifyMany } from "./helpers.js"

const entries = (frames: ReadonlyArray<ServerFrame>) => frames.filter(isEntry)

// One server for the three transports' suites; each suite has an app of its own.
const server = useServer()

describe.each(transports)("$name transport", (adapter) => {
  let app: TestApp
  const open: Array<StreamClient> = []
  const connect = async (token: string, cursor?: number | string) => {
    const client = await adapter.connect(server, token, cursor)
    open.push(client)
    return client
  }

  beforeAll(async () => {
    app = await server.newApp()
  })
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()))
  })

  it("opens with welcome, then delivers a notification live", async () => {
    const token = await server.userToken(app, "alice", { register: true })
    const client = await connect(token)
    const welcome = await client.next((f) => f.type === "welcome")
    expect(welcome).toMatchObject({ type: "welcome", user: "alice", cursor: 0, unseen: 0 })
    expect(typeof welcome["session"]).toBe("string")

    const sent = await server.notify(app, { users: ["alice"], title: "Hi", content: { text: "hello" } })
    const frame = await client.next((f) => f.type === "notification")
    expect(frame).toMatchObject({
      type: "notification",
      seq: 1,
      notification: { user: "alice", title: "Hi", content: { text: "hello" }, seenAt: null, readAt: null }
    })
    expect(typeof (frame["notification"] as { id: unknown }).id).toBe("string")
    expect(sent.recipients).toBe(1)
    await client.close()
  })

  it("resumes from a cursor with exactly the missed entries, in order, then goes live", async () => {
    const token = await server.userToken(app, "bob", { register: true })
    const first = await connect(token)
    const welcome = await first.next((f) => f.type === "welcome")
    await notifyMany(server, app, "bob", 2, "before")
    const seen = await first.collect(2, isEntry)
    const cursor = Number(seen[1]!["seq"])
    expect(cursor).toBe(Number(welcome["cursor"]) + 2)
    await first.close()

    await notifyMany(server, app, "bob", 5, "missed")
    const second = await connect(token, cursor)
    if (adapter.welcomeOnResume) {
      expect(await second.next()).toMatchObject({ type: "welcome", user: "bob", cursor })
    }
    const replayed = await second.collect(5, isEntry)
    expect(replayed.map((f) => f["seq"])).toEqual([
      cursor + 1,
      cursor + 2,
      cursor + 3,
      cursor + 4,
      cursor + 5
    ])
    expect(replayed.map((f) => (f as NotificationFrame).notification.content)).toEqual([
      "missed0",
      "missed1",
      "missed2",
      "missed3",
      "missed4"
    ])

    await server.notify(app, { users: ["bob"], content: "live" })
    const live = await second.next((f) => isEntry(f) && f.seq === cursor + 6)
    expect((live as NotificationFrame).notification.content).toBe("live")
    // No duplicate and no stray frame: exactly six entries, each once.
    await new Promise((r) => setTimeout(r, 200))
    expect(entries(second.frames).map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6].map((i) => cursor + i))
    await second.close()
  })

  it("resumes from the latest cursor with nothing replayed", async () => {
    const token = await server.userToken(app, "carol", { register: true })
    await notifyMany(server, app, "carol", 3)
    const client = await connect(token, 3)
    if (adapter.welcomeOnResume) expect(await client.next()).toMatchObject({ type: "welcome", cursor: 3 })
    await server.notify(app, { users: ["carol"], content: "fourth" })
    expect(await client.next(isEntry)).toMatchObject({ type: "notification", seq: 4 })
    expect(entries(client.frames)).toHaveLength(1)
    await client.close()
  })

  it("answers a future cursor with reset to the latest seq", async () => {
    const token = await server.userToken(app, "dave", { register: true })
    await notifyMany(server, app, "dave", 2)
    const client = await connect(token, 1000)
    const reset = await client.next((f) => f.type === "reset")
    expect(reset).toEqual({ type: "reset", cursor: 2 })
    if (adapter.welcomeOnResume) expect(client.frames[0]).toMatchObject({ type: "welcome", cursor: 2 })
    // Live from the reset cursor on.
    await server.notify(app, { users: ["dave"], content: "after reset" })
    expect(await client.next(isEntry)).toMatchObject({ seq: 3 })
    await client.close()
  })

  it("passes a read made over REST to the session as a stream entry", async () => {
    const token = await server.userToken(app, "erin", { register: true })
    const client = await connect(token)
    await client.next((f) => f.type === "welcome")
    await server.notify(app, { users: ["erin"], content: "read me" })
    const n = await client.next((f) => f.type === "notification")
    const id = (n["notification"] as { id: string }).id
    const res = await request(server.url, "PATCH", `/v1/me/notifications/${id}`, {
      token,
      body: { read: true }
    })
    expect(res.status).toBe(200)
    expect(await client.next((f) => f.type === "read")).toEqual({
      type: "read",
      seq: Number(n["seq"]) + 1,
      ids: [id]
    })
    await client.close()
  })

  it("refuses a forged, a malformed and an expired token", async () => {
    const forged = localToken({ ...app, secret: `${app.id}.${"x".repeat(43)}` }, "frank", 600)
    for (const token of [forged, "not-a-token"]) {
      const client = await connect(token)
      expect(await client.ended).toMatchObject(adapter.refused.unauthorized)
    }
    const expired = await connect(localToken(app, "frank", -5))
    expect(await expired.ended).toMatchObject(adapter.refused.expired)
  })

  it("ends the session when its token expires", async () => {
    await server.registerUsers(app, ["grace"])
    const client = await connect(localToken(app, "grace", 2))
    await client.next((f) => f.type === "welcome")
    const ending = await Promise.race([
      client.ended,
      new Promise((r) => setTimeout(() => r("still open"), 8000))
    ])
    expect(ending).toMatchObject(adapter.expiresAs)
    await eventually(async () => (await liveSessions(server, app, "grace")) === 0)
  })

  // Issue 17, finding 1: REST accepts a token until its exp, however far; so must a session.
  // An expiry timer past 2³¹ ms used to fire at once and close the socket 4009 after welcome.
  it.each([30, 3650])(
    "keeps a session open with a token expiring in %i days, as REST accepts it",
    async (days) => {
      const user = `far-${days}`
      await server.registerUsers(app, [user])
      const token = localToken(app, user, days * 86_400)
      expect((await request(server.url, "GET", "/v1/me/counts", { token })).status).toBe(200)
      const client = await connect(token)
      await client.next((f) => f.type === "welcome")
      await server.notify(app, { users: [user], content: "still open" })
      expect(await client.next(isEntry)).toMatchObject({ notification: { content: "still open" } })
      expect(client.isEnded()).toBe(false)
      await client.close()
    }
  )

  it("refuses negative and non-numeric cursors and keeps serving", async () => {
    const token = await server.userToken(app, "heidi", { register: true })
    for (const cursor of ["-1", "abc", "1.5", "1e3"]) {
      const client = await connect(token, cursor)
      expect(await client.ended).toMatchObject(adapter.refused.badCursor)
    }
    const ok = await connect(token)
    await ok.next((f) => f.type === "welcome")
    await ok.close()
  })

  it("drops the session from the hub when the client goes away", async () => {
    const token = await server.userToken(app, "ivan", { register: true })
    const client = await connect(token)
    await client.next((f) => f.type === "welcome")
    if (adapter.name !== "poll") expect(await liveSessions(server, app, "ivan")).toBe(1)
    await client.close()
    await eventually(async () => (await liveSessions(server, app, "ivan")) === 0)
  })
})

describe("every transport at once", () => {
  // A server of its own: the connection gauge below counts every session of the node.
  const server = useServer()
  let app: TestApp

  beforeAll(async () => {
    app = await server.newApp()
  })

  it("gives every session of one user, whatever its transport, the same entries with the same seq", async () => {
    const token = await server.userToken(app, "multi", { register: true })
    const clients = await Promise.all([
      transport("ws").connect(server, token),
      transport("sse").connect(server, token),
      transport("poll").connect(server, token),
      transport("sse").connect(server, token),
      transport("ws").connect(server, token)
    ])
    for (const c of clients) await c.next((f) => f.type === "welcome")
    await notifyMany(server, app, "multi", 3, "all")
    const got = await Promise.all(clients.map((c) => c.collect(3, isEntry)))
    for (const frames of got) {
      expect(frames.map((f) => f["seq"])).toEqual([1, 2, 3])
      expect(frames).toEqual(got[0])
    }

    // A read over REST reaches them all as one entry with one seq.
    const ids = got[0]!.map((f) => (f as NotificationFrame).notification.id)
    const res = await request(server.url, "PATCH", "/v1/me/notifications", {
      token,
      body: { ids: ids.slice(0, 2), read: true }
    })
    expect(res.status).toBe(200)
    const reads = await Promise.all(clients.map((c) => c.next((f) => f.type === "read")))
    for (const r of reads) expect(r).toEqual({ type: "read", seq: 4, ids: ids.slice(0, 2) })

    // A deletion too.
    expect((await request(server.url, "DELETE", `/v1/me/notifications/${ids[2]}`, { token })).status).toBe(
      204
    )
    const deletions = await Promise.all(clients.map((c) => c.next((f) => f.type === "deleted")))
    for (const d of deletions) expect(d).toEqual({ type: "deleted", seq: 5, ids: [ids[2]] })
    await Promise.all(clients.map((c) => c.close()))
  })

  it("counts sessions by transport in /metrics", async () => {
    const token = await server.userToken(app, "counted", { register: true })
    const clients = await Promise.all([
      transport("ws").connect(server, token),
      transport("sse").connect(server, token)
    ])
    for (const c of clients) await c.next((f) => f.type === "welcome")
    const text = await (await fetch(`${server.url}/metrics`)).text()
    expect(text).toMatch(/pushback_connections\{transport="sse"\} 1/)
    expect(text).toMatch(/pushback_connections\{transport="ws"\} 1/)
    await Promise.all(clients.map((c) => c.close()))
  })

  it("ends every session on shutdown (1001 / going_away / an early answer)", async () => {
    await using other = await startServer()
    const otherApp = await createApp(other)
    const token = await userToken(other, otherApp, "leaving", { register: true })
    const ws = await transport("ws").connect(other, token)
    const sse = await transport("sse").connect(other, token)
    await ws.next((f) => f.type === "welcome")
    await sse.next((f) => f.type === "welcome")
    // A poll held with a cursor, answered early by the shutdown.
    const held = fetch(`${other.url}/v1/poll?token=${token}&cursor=0&wait=30`)
    held.catch(() => {})
    await eventually(async () => (await liveSessions(other, otherApp, "leaving")) === 3)
    const started = Date.now()
    await other.stop()
    expect(await ws.ended).toMatchObject({ code: 1001 })
    expect(await sse.ended).toMatchObject({ error: "going_away" })
    const answer = await held
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ frames: [], cursor: 0 })
    expect(Date.now() - started).toBeLessThan(5000)
  })
})

describe("cursors older than what is retained", () => {
  const server = useServer({ config: { limits: { retentionEntries: 3 } } })
  let app: TestApp

  beforeAll(async () => {
    app = await server.newApp()
    await notifyMany(server, app, "old", 8)
    // Pruning runs at start: restart to age out all but the last 3 entries.
    await server.restart()
  })

  it.each(transports)("$name: a too-old cursor gets reset to the latest seq", async (adapter) => {
    const token = await server.userToken(app, "old", { register: true })
    const client = await adapter.connect(server, token, 2)
    expect(await client.next((f) => f.type === "reset")).toEqual({ type: "reset", cursor: 8 })
    if (adapter.welcomeOnResume) expect(client.frames[0]).toMatchObject({ type: "welcome", cursor: 8 })
    expect(entries(client.frames)).toHaveLength(0)
    await client.close()
  })

  it.each(transports)("$name: a cursor just inside what is retained resumes", async (adapter) => {
    const token = await server.userToken(app, "old", { register: true })
    const client = await adapter.connect(server, token, 5)
    const replayed = await client.collect(3, isEntry)
    expect(replayed.map((f) => f["seq"])).toEqual([6, 7, 8])
    expect(client.frames.some((f) => f.type === "reset")).toBe(false)
    await client.close()
  })
})

describe.each(transports.filter((t) => t.pausable !== undefined))("$name slow consumer", (adapter) => {
  const server = useServer({ config: { limits: { sessionQueueBytes: 64 * 1024 } } })
  let app: TestApp

  beforeAll(async () => {
    app = await server.newApp()
  })

  it("is cut off once its unsent data passes sessionQueueBytes; the server stays healthy", async () => {
    const slow = await adapter.pausable!(server, await server.userToken(app, "slow", { register: true }))
    const healthy = await adapter.connect(server, await server.userToken(app, "fast", { register: true }))
    await healthy.next((f) => f.type === "welcome")
    slow.pause()
    const before = await metric(server, "pushback_slow_consumers_closed_total")
    const big = "x".repeat(48 * 1024)
    // Kernel socket buffers take several MB before the server's own queue grows: keep
    // notifying until the server gives up on the slow reader.
    let sent = 0
    while ((await metric(server, "pushback_slow_consumers_closed_total")) === before) {
      await Promise.all(
        Array.from({ length: 20 }, () => server.notify(app, { users: ["slow"], content: big }))
      )
      sent += 20
      if (sent > 2000) throw new Error("the slow consumer was never cut off")
    }
    slow.resume()
    const ending = await Promise.race([
      slow.recorder.ended,
      new Promise((r) => setTimeout(() => r("open"), 10_000))
    ])
    expect(ending).not.toBe("open")
    if (adapter.name === "ws") expect(ending).toMatchObject({ code: 4008 })
    // What it did get is a gapless prefix of its stream.
    const seqs = slow.recorder.frames.filter(isEntry).map((f) => f.seq)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
    expect(seqs.length).toBeLessThan(sent)

    // Everyone else is fine.
    await server.notify(app, { users: ["fast"], content: "still here" })
    expect(await healthy.next((f) => f.type === "notification")).toMatchObject({ seq: 1 })
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    await eventually(async () => (await liveSessions(server, app, "slow")) === 0)
    await healthy.close()
    slow.close()
  })
})
