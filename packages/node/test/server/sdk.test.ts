/**
 * Every SDK method against the real, built server (`apps/server/dist/cli.js`) on port 0.
 */
import { type TestServer, connectWs, request, startServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CreatedApp, PushBack, type PushBackAdmin, PushBackError } from "../../src/index.js"

let server: TestServer
let admin: PushBackAdmin
let app: CreatedApp
let pb: PushBack

const rejection = async (promise: Promise<unknown>): Promise<PushBackError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(PushBackError)
  return error as PushBackError
}

beforeAll(async () => {
  server = await startServer()
  admin = PushBack.admin({ url: server.url, adminToken: server.adminToken })
  app = await admin.createApp("sdk-test")
  pb = new PushBack({ url: server.url, secret: app.secret })
}, 60_000)

afterAll(async () => {
  await server?.dispose()
})

describe("admin", () => {
  it("createApp answers id, name and a secret that names the app", async () => {
    const created = await admin.createApp("another")
    expect(created).toMatchObject({ name: "another" })
    expect(created.secret.startsWith(`${created.id}.`)).toBe(true)
    expect(new PushBack({ url: server.url, secret: created.secret }).appId).toBe(created.id)
  })

  it("listApps lists them without secrets", async () => {
    const apps = await admin.listApps()
    expect(apps.map((a) => a.id)).toContain(app.id)
    for (const a of apps) expect(a).not.toHaveProperty("secret")
  })

  it("rotateSecret: the old secret stops working, the new one works", async () => {
    const created = await admin.createApp("rotating")
    const before = new PushBack({ url: server.url, secret: created.secret })
    await before.stats()
    const { secret } = await admin.rotateSecret(created.id)
    expect(secret).not.toBe(created.secret)
    expect(await rejection(before.stats())).toMatchObject({ status: 401, code: "unauthorized" })
    await new PushBack({ url: server.url, secret }).stats()
  })

  it("deleteApp erases the app; a second delete is 404", async () => {
    const created = await admin.createApp("doomed")
    await admin.deleteApp(created.id)
    expect((await admin.listApps()).map((a) => a.id)).not.toContain(created.id)
    expect(await rejection(admin.deleteApp(created.id))).toMatchObject({ status: 404, code: "not_found" })
    const gone = new PushBack({ url: server.url, secret: created.secret })
    expect(await rejection(gone.stats())).toMatchObject({ status: 401, code: "unauthorized" })
  })

  it("rotateSecret of an unknown app is 404", async () => {
    expect(await rejection(admin.rotateSecret("app_doesnotexist"))).toMatchObject({
      status: 404,
      code: "not_found"
    })
  })

  it("refuses a wrong admin token, and an app secret on an operator endpoint, with 401", async () => {
    const wrong = PushBack.admin({ url: server.url, adminToken: "nope" })
    expect(await rejection(wrong.listApps())).toMatchObject({ status: 401, code: "unauthorized" })
    const withSecret = PushBack.admin({ url: server.url, adminToken: app.secret })
    expect(await rejection(withSecret.listApps())).toMatchObject({ status: 401, code: "unauthorized" })
  })
})

describe("users", () => {
  it("registerUsers upserts ids and objects", async () => {
    expect(await pb.registerUsers(["alice", { id: "bob", email: "bob@example.com", name: "Bob" }])).toEqual({
      registered: 2
    })
    expect(await pb.registerUsers([{ id: "bob", email: "bob@example.org" }])).toEqual({ registered: 1 })
    expect(await pb.getUser("bob")).toMatchObject({
      id: "bob",
      email: "bob@example.org",
      online: false,
      sessions: 0
    })
  })

  it("listUsers pages with a total count", async () => {
    const local = await freshClient("list-users")
    await local.registerUsers(["u1", "u2", "u3"])
    const all = await local.listUsers()
    expect(all.count).toBe(3)
    expect(all.results.map((u) => u.id).sort()).toEqual(["u1", "u2", "u3"])
    const page = await local.listUsers({ limit: 1, offset: 1 })
    expect(page.count).toBe(3)
    expect(page.results).toHaveLength(1)
    expect(all.results.map((u) => u.id)).toContain(page.results[0]!.id)
  })

  it("getUser with a user id that needs escaping", async () => {
    const id = "team/ada?x=1#y ü"
    await pb.registerUsers([id])
    expect(await pb.getUser(id)).toMatchObject({ id, sessions: 0 })
    await pb.notify({ users: [id], content: "escaped" })
    expect((await pb.listNotifications(id)).results[0]).toMatchObject({ user: id, content: "escaped" })
    await pb.removeUser(id)
  })

  it("getUser of an unknown user is 404 not_found", async () => {
    expect(await rejection(pb.getUser("nobody"))).toMatchObject({ status: 404, code: "not_found" })
  })

  it("removeUser erases the user and their notifications", async () => {
    await pb.registerUsers(["carol"])
    await pb.notify({ users: ["carol"], content: "bye" })
    await pb.removeUser("carol")
    expect(await rejection(pb.getUser("carol"))).toMatchObject({ status: 404, code: "not_found" })
    expect(await rejection(pb.removeUser("carol"))).toMatchObject({ status: 404, code: "not_found" })
    await pb.registerUsers(["carol"])
    expect((await pb.listNotifications("carol")).count).toBe(0)
  })
})

describe("notify and listNotifications", () => {
  it("creates one notification per recipient, listed newest first", async () => {
    const local = await freshClient("notify")
    const answer = await local.notify({
      users: ["dave", { id: "erin", email: "erin@example.com" }],
      title: "Hello",
      content: { text: "first" },
      url: "/x",
      icon: "/i.png",
      image: "/p.png",
      data: { k: 1 }
    })
    // No SMTP server on this test server: the email block would queue nothing.
    expect(answer).toMatchObject({ recipients: 2, online: 0, emails: 0 })
    expect(typeof answer.id).toBe("string")
    const call = await local.notifyCall(answer.id, { limit: 1, offset: 1 })
    expect(call).toMatchObject({
      id: answer.id,
      recipients: 2,
      emails: { queued: 0, sent: 0, failed: 0, skipped: 0 }
    })
    expect(call.results).toEqual([expect.objectContaining({ user: "erin", email: "none", seenAt: null })])
    expect(await rejection(local.notifyCall("call_unknown"))).toMatchObject({
      status: 404,
      code: "not_found"
    })
    await local.notify({ users: ["dave"], content: "second" })
    const list = await local.listNotifications("dave")
    expect(list.count).toBe(2)
    expect(list.results.map((n) => n.content)).toEqual(["second", { text: "first" }])
    expect(list.results[1]).toMatchObject({
      user: "dave",
      type: null,
      title: "Hello",
      url: "/x",
      icon: "/i.png",
      image: "/p.png",
      data: { k: 1 },
      seenAt: null,
      readAt: null
    })
    // named users are registered by the call, with the email given
    expect(await local.getUser("erin")).toMatchObject({ email: "erin@example.com" })
  })

  it("pages and filters the list", async () => {
    const local = await freshClient("paging")
    for (const n of [1, 2, 3]) await local.notify({ users: ["fay"], content: n })
    const page = await local.listNotifications("fay", { limit: 2, offset: 0 })
    expect(page.count).toBe(3)
    expect(page.results.map((n) => n.content)).toEqual([3, 2])
    expect(page.next).not.toBeNull()
    expect(page.previous).toBeNull()
    const last = await local.listNotifications("fay", { limit: 2, offset: 2 })
    expect(last.results.map((n) => n.content)).toEqual([1])
    expect(last.next).toBeNull()
    expect((await local.listNotifications("fay", { status: "unread" })).count).toBe(3)
    expect((await local.listNotifications("fay", { status: "read" })).count).toBe(0)
  })

  it("omitting users reaches every registered user", async () => {
    const local = await freshClient("broadcast")
    await local.registerUsers(["g1", "g2", "g3"])
    expect(await local.notify({ content: "to all" })).toMatchObject({ recipients: 3 })
  })

  it("the same idempotency key creates nothing new and answers the first answer", async () => {
    const local = await freshClient("idempotency")
    const first = await local.notify({ users: ["hal"], content: "once", idempotencyKey: "job-1" })
    const again = await local.notify({ users: ["hal"], content: "once", idempotencyKey: "job-1" })
    expect(again).toEqual(first)
    expect((await local.listNotifications("hal")).count).toBe(1)
  })

  it("counts recipients with a live session as online; the locally signed token is accepted", async () => {
    const local = await freshClient("online")
    await local.registerUsers(["ivy", "jon"])
    const token = local.createUserToken("ivy", { ttlSeconds: 600 })
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(token)}`)
    try {
      expect(await ws.next((f) => f.type === "welcome")).toMatchObject({ type: "welcome", user: "ivy" })
      expect(await local.getUser("ivy")).toMatchObject({ online: true, sessions: 1 })
      expect(await local.notify({ users: ["ivy", "jon"], content: "live" })).toMatchObject({
        recipients: 2,
        online: 1
      })
      const frame = await ws.next((f) => f.type === "notification")
      expect(frame).toMatchObject({ notification: { user: "ivy", content: "live" } })
    } finally {
      await ws.close()
    }
  })
})

describe("createUserToken", () => {
  it("is accepted by the REST API as the user", async () => {
    await pb.registerUsers(["kim"])
    await pb.notify({ users: ["kim"], content: "for kim" })
    const res = await request<{ total: number }>(server.url, "GET", "/v1/me/counts", {
      token: pb.createUserToken("kim")
    })
    expect(res.status).toBe(200)
    expect(res.body.total).toBe(1)
  })

  it("signed with another app's secret, it is refused", async () => {
    const other = await admin.createApp("other")
    const forged = new PushBack({ url: server.url, secret: `${app.id}.${other.secret.split(".")[1]}` })
    const res = await request(server.url, "GET", "/v1/me/counts", { token: forged.createUserToken("kim") })
    expect(res.status).toBe(401)
  })
})

describe("event types", () => {
  it("put, list, delete", async () => {
    const local = await freshClient("types")
    expect(await local.eventTypes.put("post_like", { title: "Likes" })).toEqual({
      name: "post_like",
      title: "Likes",
      description: null
    })
    expect(
      await local.eventTypes.put("post_like", { title: "Likes", description: "When someone likes" })
    ).toEqual({
      name: "post_like",
      title: "Likes",
      description: "When someone likes"
    })
    await local.eventTypes.put("comment", { title: "Comments" })
    expect((await local.eventTypes.list()).map((t) => t.name).sort()).toEqual(["comment", "post_like"])
    await local.eventTypes.delete("comment")
    expect((await local.eventTypes.list()).map((t) => t.name)).toEqual(["post_like"])
    expect(await rejection(local.eventTypes.delete("comment"))).toMatchObject({
      status: 404,
      code: "not_found"
    })
  })

  it("once declared, notify refuses an unknown type with the server's 400 naming the field", async () => {
    const local = await freshClient("typed")
    await local.eventTypes.put("post_like", { title: "Likes" })
    await local.notify({ users: ["leo"], type: "post_like", content: "ok" })
    const error = await rejection(local.notify({ users: ["leo"], type: "unknown_type", content: "no" }))
    expect(error).toMatchObject({ status: 400, code: "bad_request" })
    expect(JSON.stringify(error.details)).toContain("type")
    expect((await local.listNotifications("leo")).count).toBe(1)
  })
})

describe("stats", () => {
  it("counts users and notifications", async () => {
    const local = await freshClient("stats")
    await local.registerUsers(["m1", "m2"])
    await local.notify({ content: "x" })
    expect(await local.stats()).toMatchObject({ users: 2, notifications: 2, onlineUsers: 0, connections: 0 })
  })
})

describe("server errors are typed", () => {
  it("a wrong secret is 401 unauthorized", async () => {
    const wrong = new PushBack({ url: server.url, secret: `${app.id}.${"x".repeat(43)}` })
    expect(await rejection(wrong.stats())).toMatchObject({ status: 401, code: "unauthorized" })
  })

  it("an over-size body is 413 payload_too_large", async () => {
    const error = await rejection(pb.notify({ users: ["alice"], content: "x".repeat(300 * 1024) }))
    expect(error).toMatchObject({ status: 413, code: "payload_too_large" })
  })

  it("a server that is not there is a network_error after the retries", async () => {
    const dead = new PushBack({
      url: "http://127.0.0.1:1",
      secret: app.secret,
      maxRetries: 2,
      retryBaseDelayMs: 1
    })
    expect(await rejection(dead.notify({ content: "x" }))).toMatchObject({
      status: 0,
      code: "network_error",
      details: { attempts: 3 }
    })
  })
})

const freshClient = async (name: string) => {
  const created = await admin.createApp(name)
  return new PushBack({ url: server.url, secret: created.secret })
}
