/**
 * Tenant isolation (PROTOCOL.md §1: "nothing ever crosses apps"): app A and app B, both with a
 * user `alice`, never see or touch each other's users, notifications, event types, preferences,
 * idempotency keys, sessions or stats.
 */
import { connectWs, localToken, request, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import {
  counts,
  expectError,
  expectOk,
  inbox,
  type Notification,
  type NotificationList,
  stats
} from "./helpers.js"

const server = useServer()
let a: TestApp
let b: TestApp
let aliceA: string
let aliceB: string
let aNotification: Notification

beforeAll(async () => {
  a = await server.newApp("iso-a")
  b = await server.newApp("iso-b")
  await server.registerUsers(a, [{ id: "alice", email: "alice@a.example", name: "Alice A" }, "bob"])
  await server.registerUsers(b, [{ id: "alice", email: "alice@b.example", name: "Alice B" }])
  await server.notify(a, { users: ["alice"], content: "A for alice" })
  aliceA = localToken(a, "alice")
  aliceB = localToken(b, "alice")
  aNotification = (await inbox(server.url, aliceA)).results[0]!
})

const backendList = async (app: TestApp, user: string) =>
  expectOk(
    await request<NotificationList>(server.url, "GET", `/v1/users/${user}/notifications`, {
      token: app.secret
    })
  )

describe("users", () => {
  it("the same user id is two users: each app sees only its own details", async () => {
    const inA = expectOk(
      await request<{ email: string; name: string }>(server.url, "GET", "/v1/users/alice", {
        token: a.secret
      })
    )
    const inB = expectOk(
      await request<{ email: string; name: string }>(server.url, "GET", "/v1/users/alice", {
        token: b.secret
      })
    )
    expect(inA).toMatchObject({ email: "alice@a.example", name: "Alice A" })
    expect(inB).toMatchObject({ email: "alice@b.example", name: "Alice B" })
  })

  it("B's list holds only B's users; A's user bob is 404 for B", async () => {
    const list = expectOk(
      await request<{ count: number; results: Array<{ id: string }> }>(server.url, "GET", "/v1/users", {
        token: b.secret
      })
    )
    expect(list.results.map((u) => u.id)).not.toContain("bob")
    expectError(await request(server.url, "GET", "/v1/users/bob", { token: b.secret }), 404, "not_found")
    expectError(
      await request(server.url, "GET", "/v1/users/bob/notifications", { token: b.secret }),
      404,
      "not_found"
    )
  })

  it("B cannot delete A's user; deleting B's alice leaves A's alice and her notifications", async () => {
    expectError(await request(server.url, "DELETE", "/v1/users/bob", { token: b.secret }), 404, "not_found")
    expectOk(await request(server.url, "GET", "/v1/users/bob", { token: a.secret }))

    const c = await server.newApp("iso-c")
    await server.registerUsers(c, ["alice"])
    expect((await request(server.url, "DELETE", "/v1/users/alice", { token: c.secret })).status).toBe(204)
    expectOk(await request(server.url, "GET", "/v1/users/alice", { token: a.secret }))
    expect((await backendList(a, "alice")).results.map((n) => n.id)).toContain(aNotification.id)
  })

  it("upserting alice in B does not change alice in A", async () => {
    await server.registerUsers(b, [{ id: "alice", email: "changed@b.example", name: "Changed" }])
    const inA = expectOk(
      await request<{ email: string; name: string }>(server.url, "GET", "/v1/users/alice", {
        token: a.secret
      })
    )
    expect(inA).toMatchObject({ email: "alice@a.example", name: "Alice A" })
  })
})

describe("notifications", () => {
  it("A's notification to alice is not in B's alice's inbox, list or counts", async () => {
    expect((await inbox(server.url, aliceB)).results.map((n) => n.id)).not.toContain(aNotification.id)
    expect((await backendList(b, "alice")).results.map((n) => n.id)).not.toContain(aNotification.id)
    const bCounts = await counts(server.url, aliceB)
    const bList = await inbox(server.url, aliceB)
    expect(bCounts.total).toBe(bList.count)
  })

  it("B's alice cannot get, mark or delete A's alice's notification: 404, unchanged", async () => {
    const path = `/v1/me/notifications/${aNotification.id}`
    expectError(await request(server.url, "GET", path, { token: aliceB }), 404, "not_found")
    expectError(
      await request(server.url, "PATCH", path, { token: aliceB, body: { read: true } }),
      404,
      "not_found"
    )
    expectError(await request(server.url, "DELETE", path, { token: aliceB }), 404, "not_found")
    expect(
      expectOk(
        await request(server.url, "PATCH", "/v1/me/notifications", {
          token: aliceB,
          body: { ids: [aNotification.id], read: true }
        })
      )
    ).toEqual({ updated: 0 })
    expect(
      expectOk(
        await request(server.url, "PATCH", "/v1/me/notifications", {
          token: aliceB,
          body: { ids: [aNotification.id], deleted: true }
        })
      )
    ).toEqual({ updated: 0 })
    const still = expectOk(await request<Notification>(server.url, "GET", path, { token: aliceA }))
    expect(still).toMatchObject({ id: aNotification.id, seenAt: null, readAt: null })
  })

  it("B's `all: true` marks touch only B's notifications", async () => {
    await server.notify(b, { users: ["alice"], content: "B for alice" })
    const before = await counts(server.url, aliceA)
    expectOk(
      await request(server.url, "PATCH", "/v1/me/notifications", {
        token: aliceB,
        body: { all: true, read: true }
      })
    )
    expectOk(
      await request(server.url, "PATCH", "/v1/me/notifications", {
        token: aliceB,
        body: { all: true, deleted: true }
      })
    )
    expect(await counts(server.url, aliceA)).toEqual(before)
    expect(await counts(server.url, aliceB)).toEqual({ unseen: 0, unread: 0, total: 0 })
  })

  it("a broadcast in B reaches only B's users", async () => {
    const d = await server.newApp("iso-d")
    const e = await server.newApp("iso-e")
    await server.registerUsers(d, ["alice", "dan"])
    await server.registerUsers(e, ["alice", "eve", "erin"])
    expect((await server.notify(e, { content: "E broadcast" })).recipients).toBe(3)
    expect((await backendList(d, "alice")).count).toBe(0)
    expect((await backendList(d, "dan")).count).toBe(0)
    expect((await backendList(e, "alice")).count).toBe(1)
  })

  it("a live session of B's alice does not receive A's notifications to alice", async () => {
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(aliceB)}`)
    try {
      await ws.next((f) => f.type === "welcome")
      const fromA = await server.notify(a, { users: ["alice"], content: "A live" })
      expect(fromA.online).toBe(0)
      await server.notify(b, { users: ["alice"], content: "B live" })
      const frame = await ws.next((f) => f.type === "notification")
      expect((frame["notification"] as Notification).content).toBe("B live")
      expect(
        ws.frames
          .filter((f) => f.type === "notification")
          .map((f) => (f["notification"] as Notification).content)
      ).toEqual(["B live"])
      // sessions are per app too
      const inA = expectOk(
        await request<{ online: boolean; sessions: number }>(server.url, "GET", "/v1/users/alice", {
          token: a.secret
        })
      )
      expect(inA).toMatchObject({ online: false, sessions: 0 })
      const inB = expectOk(
        await request<{ online: boolean; sessions: number }>(server.url, "GET", "/v1/users/alice", {
          token: b.secret
        })
      )
      expect(inB).toMatchObject({ online: true, sessions: 1 })
    } finally {
      await ws.close()
    }
  })

  it("idempotency keys are per app: the same key in A and B creates one notification in each", async () => {
    const x = await server.newApp("iso-x")
    const y = await server.newApp("iso-y")
    const first = await server.notify(x, { users: ["alice"], content: "x", idempotencyKey: "shared" })
    const second = await server.notify(y, { users: ["alice"], content: "y", idempotencyKey: "shared" })
    expect(second.id).not.toBe(first.id)
    expect((await backendList(x, "alice")).results.map((n) => n.content)).toEqual(["x"])
    expect((await backendList(y, "alice")).results.map((n) => n.content)).toEqual(["y"])
    const header = { "idempotency-key": "shared-header" }
    await server.notify(x, { users: ["alice"], content: "x2" }, header)
    await server.notify(y, { users: ["alice"], content: "y2" }, header)
    expect((await backendList(y, "alice")).results.map((n) => n.content)).toEqual(["y2", "y"])
  })
})

describe("event types and preferences", () => {
  it("types declared in A are invisible to B and cannot be deleted by B", async () => {
    const p = await server.newApp("iso-types-a")
    const q = await server.newApp("iso-types-b")
    expectOk(
      await request(server.url, "PUT", "/v1/event-types/a_only", { token: p.secret, body: { title: "A" } })
    )
    const qTypes = expectOk(
      await request<{ types: Array<{ name: string }> }>(server.url, "GET", "/v1/event-types", {
        token: q.secret
      })
    )
    expect(qTypes.types).toEqual([])
    expectError(
      await request(server.url, "DELETE", "/v1/event-types/a_only", { token: q.secret }),
      404,
      "not_found"
    )
    const pTypes = expectOk(
      await request<{ types: Array<{ name: string }> }>(server.url, "GET", "/v1/event-types", {
        token: p.secret
      })
    )
    expect(pTypes.types.map((t) => t.name)).toEqual(["a_only"])

    // B has no declared types: any type goes, A's declaration does not constrain B
    await server.notify(q, { users: ["alice"], type: "anything", content: "x" })
    // once B declares its own, A's type is unknown to B
    expectOk(
      await request(server.url, "PUT", "/v1/event-types/b_only", { token: q.secret, body: { title: "B" } })
    )
    expectError(
      await request(server.url, "POST", "/v1/notify", {
        token: q.secret,
        body: { users: ["alice"], type: "a_only", content: "x" }
      }),
      400,
      "bad_request"
    )
    // and B's preferences list only B's types
    const prefs = expectOk(
      await request<{ types: Record<string, unknown> }>(server.url, "GET", "/v1/me/preferences", {
        token: localToken(q, "alice")
      })
    )
    expect(Object.keys(prefs.types)).not.toContain("a_only")
  })

  it("alice muting a type in A does not mute it for alice in B", async () => {
    const p = await server.newApp("iso-prefs-a")
    const q = await server.newApp("iso-prefs-b")
    for (const app of [p, q]) {
      expectOk(
        await request(server.url, "PUT", "/v1/event-types/like", { token: app.secret, body: { title: "L" } })
      )
    }
    expectOk(
      await request(server.url, "PUT", "/v1/me/preferences", {
        token: localToken(p, "alice"),
        body: { types: { like: { inApp: false } } }
      })
    )
    const qPrefs = expectOk(
      await request<{ types: Record<string, { inApp: boolean }> }>(server.url, "GET", "/v1/me/preferences", {
        token: localToken(q, "alice")
      })
    )
    expect(qPrefs.types["like"]!.inApp).toBe(true)
    await server.notify(p, { users: ["alice"], type: "like", content: "p" })
    await server.notify(q, { users: ["alice"], type: "like", content: "q" })
    expect((await inbox(server.url, localToken(p, "alice"))).count).toBe(0)
    expect((await inbox(server.url, localToken(q, "alice"))).results.map((n) => n.content)).toEqual(["q"])
  })
})

describe("stats", () => {
  it("each app's stats count only its own users, notifications, marks and connections", async () => {
    const p = await server.newApp("iso-stats-a")
    const q = await server.newApp("iso-stats-b")
    await server.registerUsers(p, ["alice", "p1", "p2"])
    await server.notify(p, { content: "p broadcast" })
    const pAlice = localToken(p, "alice")
    expectOk(
      await request(server.url, "PATCH", "/v1/me/notifications", {
        token: pAlice,
        body: { all: true, read: true }
      })
    )
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(pAlice)}`)
    try {
      await ws.next((f) => f.type === "welcome")
      expect(await stats(server.url, q)).toEqual({
        users: 0,
        notifications: 0,
        delivered: 0,
        seen: 0,
        read: 0,
        onlineUsers: 0,
        connections: 0
      })
      expect(await stats(server.url, p)).toMatchObject({
        users: 3,
        notifications: 3,
        seen: 1,
        read: 1,
        onlineUsers: 1,
        connections: 1
      })
    } finally {
      await ws.close()
    }
  })
})

describe("deleting an app", () => {
  it("erases only that app: B's alice, her notifications and B's secret keep working", async () => {
    const p = await server.newApp("iso-del-a")
    const q = await server.newApp("iso-del-b")
    for (const app of [p, q]) await server.notify(app, { users: ["alice"], content: app.name })
    expect(
      (await request(server.url, "DELETE", `/v1/apps/${p.id}`, { token: server.adminToken })).status
    ).toBe(204)
    expectError(await request(server.url, "GET", "/v1/users", { token: p.secret }), 401, "unauthorized")
    expect((await backendList(q, "alice")).results.map((n) => n.content)).toEqual(["iso-del-b"])
    expect((await inbox(server.url, localToken(q, "alice"))).count).toBe(1)
    // an app created later never inherits the deleted app's data
    const r = await server.newApp("iso-del-a")
    const users = expectOk(
      await request<{ count: number }>(server.url, "GET", "/v1/users", { token: r.secret })
    )
    expect(users.count).toBe(0)
  })
})
