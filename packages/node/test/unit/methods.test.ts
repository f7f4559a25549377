/**
 * Each method sends the request PROTOCOL.md §3.1/§3.2 documents and decodes its answer.
 */
import { describe, expect, it } from "vitest"
import { PushBack, PushBackError } from "../../src/index.js"
import { type Recorded, SECRET, URL_, connectionError, errorBody, fake, notifyAnswer } from "./fakeFetch.js"

const createdAt = "2025-01-01T00:00:00.000Z"
const user = { id: "alice", email: null, name: null, createdAt, online: false }
const notification = {
  id: "n_1",
  user: "alice",
  type: null,
  title: "Hi",
  content: "hello",
  url: null,
  icon: null,
  image: null,
  data: null,
  author: "bob",
  createdAt,
  seenAt: null,
  readAt: null
}

const sent = (r: Recorded) => ({
  method: r.method,
  path: r.url.pathname,
  query: Object.fromEntries(r.url.searchParams),
  body: r.body
})

describe("backend methods send the documented requests (§3.2) and decode the answers", () => {
  const setup = (...answers: Parameters<typeof fake>) => {
    const f = fake(...answers)
    return { f, pb: new PushBack({ url: `${URL_}/`, secret: SECRET, fetch: f.fetch, sleep: f.sleep }) }
  }

  it("authenticates with the secret and sends JSON", async () => {
    const { f, pb } = setup(notifyAnswer)
    await pb.notify({ content: "x" })
    expect(f.requests[0]!.headers).toMatchObject({
      authorization: `Bearer ${SECRET}`,
      "content-type": "application/json",
      accept: "application/json"
    })
    expect(f.requests[0]!.url.href).toBe(`${URL_}/v1/notify`)
  })

  it("keeps a base path of the URL", async () => {
    const f = fake({ status: 200, body: { types: [] } })
    await new PushBack({ url: `${URL_}/push/`, secret: SECRET, fetch: f.fetch }).eventTypes.list()
    expect(f.requests[0]!.url.pathname).toBe("/push/v1/event-types")
  })

  it("notify", async () => {
    const { f, pb } = setup(notifyAnswer)
    const request = {
      users: ["alice", { id: "bob", email: "bob@example.com" }],
      type: "post_like",
      title: "New like",
      content: { text: "Bob liked your post" },
      url: "/posts/1",
      icon: "/i.png",
      image: "/p.png",
      data: { post: 1 },
      email: { send: true, subject: "New like" }
    }
    expect(await pb.notify(request)).toEqual({ id: "n_1", recipients: 2, online: 1, emails: 0, pushes: 0 })
    const body = f.requests[0]!.body as Record<string, unknown>
    expect(sent(f.requests[0]!)).toMatchObject({ method: "POST", path: "/v1/notify", query: {} })
    expect(body).toEqual({ ...request, idempotencyKey: f.requests[0]!.headers["idempotency-key"] })
  })

  it("registerUsers", async () => {
    const { f, pb } = setup({ status: 200, body: { registered: 2 } })
    expect(await pb.registerUsers(["alice", { id: "bob", email: "bob@example.com", name: "Bob" }])).toEqual({
      registered: 2
    })
    expect(sent(f.requests[0]!)).toEqual({
      method: "POST",
      path: "/v1/users",
      query: {},
      body: { users: ["alice", { id: "bob", email: "bob@example.com", name: "Bob" }] }
    })
  })

  it("listUsers", async () => {
    const { f, pb } = setup({ status: 200, body: { count: 1, results: [user] } })
    expect(await pb.listUsers({ limit: 10, offset: 5 })).toEqual({ count: 1, results: [user] })
    expect(await pb.listUsers()).toEqual({ count: 1, results: [user] })
    expect(f.requests.map(sent)).toEqual([
      { method: "GET", path: "/v1/users", query: { limit: "10", offset: "5" }, body: undefined },
      { method: "GET", path: "/v1/users", query: {}, body: undefined }
    ])
  })

  it("getUser encodes the id as one path segment", async () => {
    const { f, pb } = setup({ status: 200, body: { ...user, id: "a/b?c#d", sessions: 2 } })
    expect(await pb.getUser("a/b?c#d")).toEqual({ ...user, id: "a/b?c#d", sessions: 2 })
    expect(f.requests[0]!.url.pathname).toBe("/v1/users/a%2Fb%3Fc%23d")
    expect(f.requests[0]!.method).toBe("GET")
  })

  it("removeUser", async () => {
    const { f, pb } = setup({ status: 204 })
    expect(await pb.removeUser("alice")).toBeUndefined()
    expect(sent(f.requests[0]!)).toEqual({
      method: "DELETE",
      path: "/v1/users/alice",
      query: {},
      body: undefined
    })
  })

  it("removeUser: 404 at once is an error, 404 on a retry means an earlier attempt did it", async () => {
    const { pb } = setup({ status: 404, body: errorBody("not_found") })
    await expect(pb.removeUser("ghost")).rejects.toMatchObject({ status: 404, code: "not_found" })
    const { f: g, pb: pb2 } = setup(
      { fail: connectionError("ECONNRESET") },
      { status: 404, body: errorBody("not_found") }
    )
    expect(await pb2.removeUser("alice")).toBeUndefined()
    expect(g.requests).toHaveLength(2)
  })

  it("listNotifications", async () => {
    const list = { count: 1, next: null, previous: null, results: [notification] }
    const { f, pb } = setup({ status: 200, body: list })
    expect(
      await pb.listNotifications("alice", { limit: 5, offset: 0, status: "unread", type: "post_like" })
    ).toEqual(list)
    expect(sent(f.requests[0]!)).toEqual({
      method: "GET",
      path: "/v1/users/alice/notifications",
      query: { limit: "5", offset: "0", status: "unread", type: "post_like" },
      body: undefined
    })
  })

  it("eventTypes", async () => {
    const type = { name: "post_like", title: "Likes", description: null }
    const { f, pb } = setup(
      { status: 200, body: type },
      { status: 200, body: { types: [type] } },
      { status: 204 }
    )
    expect(await pb.eventTypes.put("post_like", { title: "Likes" })).toEqual(type)
    expect(await pb.eventTypes.list()).toEqual([type])
    expect(await pb.eventTypes.delete("post_like")).toBeUndefined()
    expect(f.requests.map(sent)).toEqual([
      { method: "PUT", path: "/v1/event-types/post_like", query: {}, body: { title: "Likes" } },
      { method: "GET", path: "/v1/event-types", query: {}, body: undefined },
      { method: "DELETE", path: "/v1/event-types/post_like", query: {}, body: undefined }
    ])
  })

  it("stats", async () => {
    const stats = {
      users: 2,
      notifications: 3,
      delivered: 1,
      seen: 1,
      read: 0,
      onlineUsers: 1,
      connections: 2
    }
    const { f, pb } = setup({ status: 200, body: stats })
    expect(await pb.stats()).toEqual(stats)
    expect(sent(f.requests[0]!)).toMatchObject({ method: "GET", path: "/v1/stats" })
  })

  it("retries the idempotent reads and writes on 5xx", async () => {
    const { f, pb } = setup(
      { status: 503, body: errorBody("unavailable") },
      { status: 200, body: { registered: 1 } }
    )
    await pb.registerUsers(["alice"])
    expect(f.requests).toHaveLength(2)
    expect(f.requests[1]!.body).toEqual(f.requests[0]!.body)
  })
})

describe("admin methods (§3.1)", () => {
  const app = { id: "app_1234", name: "shop", secret: "app_1234.s3cr3t", createdAt }
  const setup = (...answers: Parameters<typeof fake>) => {
    const f = fake(...answers)
    return { f, admin: PushBack.admin({ url: URL_, adminToken: "adm", fetch: f.fetch, sleep: f.sleep }) }
  }

  it("createApp, listApps, rotateSecret, deleteApp", async () => {
    const { f, admin } = setup(
      { status: 201, body: app },
      { status: 200, body: { apps: [{ id: app.id, name: app.name, createdAt }] } },
      { status: 200, body: { secret: "app_1234.n3w" } },
      { status: 204 }
    )
    expect(await admin.createApp("shop")).toEqual(app)
    expect(await admin.listApps()).toEqual([{ id: app.id, name: app.name, createdAt }])
    expect(await admin.rotateSecret("app_1234")).toEqual({ secret: "app_1234.n3w" })
    expect(await admin.deleteApp("app_1234")).toBeUndefined()
    expect(f.requests.map(sent)).toEqual([
      { method: "POST", path: "/v1/apps", query: {}, body: { name: "shop" } },
      { method: "GET", path: "/v1/apps", query: {}, body: undefined },
      { method: "POST", path: "/v1/apps/app_1234/secret", query: {}, body: undefined },
      { method: "DELETE", path: "/v1/apps/app_1234", query: {}, body: undefined }
    ])
    for (const r of f.requests) expect(r.headers["authorization"]).toBe("Bearer adm")
  })

  it("never repeats a createApp or rotateSecret the server may have acted on", async () => {
    for (const failure of [
      { fail: connectionError("ECONNRESET") },
      { status: 500, body: errorBody("internal") }
    ]) {
      const { f, admin } = setup(failure, { status: 201, body: app })
      await expect(admin.createApp("shop")).rejects.toBeInstanceOf(PushBackError)
      const { f: g, admin: admin2 } = setup(failure, { status: 200, body: { secret: "x.y" } })
      await expect(admin2.rotateSecret("app_1234")).rejects.toBeInstanceOf(PushBackError)
      expect([f.requests.length, g.requests.length]).toEqual([1, 1])
    }
  })

  it("repeats them when the server certainly did not act: refused connection, 429", async () => {
    const { f, admin } = setup(
      { fail: connectionError("ECONNREFUSED") },
      { status: 429, body: errorBody("rate_limited"), headers: { "retry-after": "1" } },
      { status: 201, body: app }
    )
    expect(await admin.createApp("shop")).toEqual(app)
    expect(f.requests).toHaveLength(3)
    expect(f.sleeps[1]).toBe(1000)
  })
})
