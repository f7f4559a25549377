/**
 * Backend users API (PROTOCOL.md §3.2): register (upsert), list, get, delete, and the
 * backend's view of a user's notifications.
 */
import { connectWs, eventually, localToken, request, type TestApp, useServer } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import {
  counts,
  expectBadField,
  expectError,
  expectOk,
  expectTimestamp,
  NOTIFICATION_KEYS,
  type NotificationList,
  stats
} from "./helpers.js"

const server = useServer()

interface User {
  id: string
  email: string | null
  name: string | null
  createdAt: string
  online: boolean
}
interface UserDetail extends User {
  sessions: number
}
interface UserList {
  count: number
  results: User[]
}

const getUser = (app: TestApp, id: string) =>
  request<UserDetail>(server.url, "GET", `/v1/users/${encodeURIComponent(id)}`, { token: app.secret })
const listUsers = async (app: TestApp, query = "") =>
  expectOk(await request<UserList>(server.url, "GET", `/v1/users${query}`, { token: app.secret }))

describe("POST /v1/users", () => {
  it("registers ids and objects: 200 {registered: n}", async () => {
    const app = await server.newApp("users-register")
    const res = await request(server.url, "POST", "/v1/users", {
      token: app.secret,
      body: { users: ["u1", { id: "u2", email: "u2@example.com", name: "User Two" }, { id: "u3" }] }
    })
    expect(expectOk(res)).toEqual({ registered: 3 })
    const u1 = expectOk(await getUser(app, "u1"))
    expect(u1).toMatchObject({ id: "u1", email: null, name: null, online: false, sessions: 0 })
    expectTimestamp(u1.createdAt)
    const u2 = expectOk(await getUser(app, "u2"))
    expect(u2).toMatchObject({
      id: "u2",
      email: "u2@example.com",
      name: "User Two",
      online: false,
      sessions: 0
    })
    expect(Object.keys(u2).sort()).toEqual(["createdAt", "email", "id", "name", "online", "sessions"])
    expect(expectOk(await getUser(app, "u3"))).toMatchObject({ id: "u3", email: null, name: null })
  })

  it("upserts: registering again updates email and name and creates no duplicate", async () => {
    const app = await server.newApp("users-upsert")
    await server.registerUsers(app, [{ id: "u1", email: "old@example.com", name: "Old" }])
    const first = expectOk(await getUser(app, "u1"))
    await server.registerUsers(app, [{ id: "u1", email: "new@example.com", name: "New" }])
    const second = expectOk(await getUser(app, "u1"))
    expect(second).toMatchObject({ id: "u1", email: "new@example.com", name: "New" })
    expect(second.createdAt).toBe(first.createdAt)
    const list = await listUsers(app)
    expect(list.count).toBe(1)
    expect(list.results.map((u) => u.id)).toEqual(["u1"])
    expect((await stats(server.url, app))["users"]).toBe(1)
  })

  it("accepts ids of exactly 1 and 128 characters and any characters, including unicode and spaces", async () => {
    const app = await server.newApp("users-ids")
    const ids = ["x", "y".repeat(128), "alice@example.com", "名前 with space", "a+b=c&d?e#f", "ünïcödé-😀"]
    expect(await server.registerUsers(app, ids)).toEqual({ registered: ids.length })
    for (const id of ids) {
      const user = expectOk(await getUser(app, id))
      expect(user.id).toBe(id)
    }
    expect((await listUsers(app, "?limit=100")).results.map((u) => u.id).sort()).toEqual([...ids].sort())
  })

  it("serves a user whose id contains a slash via its percent-encoded path", async () => {
    const app = await server.newApp("users-slash")
    await server.registerUsers(app, ["team/alice"])
    const res = await getUser(app, "team/alice")
    expect(expectOk(res).id).toBe("team/alice")
  })

  it("refuses an empty list, a non-array, a 129-character id, an empty id, a bad email: 400 naming `users`", async () => {
    const app = await server.newApp("users-bad")
    await server.registerUsers(app, ["existing"])
    const bodies = [
      { users: [] },
      { users: "u1" },
      { users: ["z".repeat(129)] },
      { users: [""] },
      { users: [{ id: "z".repeat(129) }] },
      { users: [{ email: "no-id@example.com" }] },
      { users: [{ id: "ok", email: 42 }] },
      { users: [42] },
      { users: [null] },
      // one bad entry refuses the whole call: `fine` must not be registered
      { users: ["fine", "z".repeat(129)] }
    ]
    for (const body of bodies) {
      expectBadField(await request(server.url, "POST", "/v1/users", { token: app.secret, body }), "users")
    }
    expectBadField(await request(server.url, "POST", "/v1/users", { token: app.secret, body: {} }), "users")
    const list = await listUsers(app)
    expect(list.results.map((u) => u.id)).toEqual(["existing"])
    expectError(await getUser(app, "fine"), 404, "not_found")
  })
})

describe("GET /v1/users", () => {
  it("answers {count, results} with every field, count being the total", async () => {
    const app = await server.newApp("users-list")
    await server.registerUsers(app, ["a", "b", { id: "c", email: "c@example.com", name: "C" }])
    const list = await listUsers(app)
    expect(Object.keys(list).sort()).toEqual(["count", "results"])
    expect(list.count).toBe(3)
    expect(list.results.map((u) => u.id).sort()).toEqual(["a", "b", "c"])
    for (const u of list.results) {
      expect(Object.keys(u).sort()).toEqual(["createdAt", "email", "id", "name", "online"])
      expect(u.online).toBe(false)
      expectTimestamp(u.createdAt)
    }
    expect(list.results.find((u) => u.id === "c")).toMatchObject({ email: "c@example.com", name: "C" })
  })

  it("pages with limit and offset; count stays the total; pages are disjoint and cover everyone", async () => {
    const app = await server.newApp("users-pages")
    const ids = Array.from({ length: 7 }, (_, i) => `p${i}`)
    await server.registerUsers(app, ids)
    const seen: string[] = []
    for (const offset of [0, 3, 6]) {
      const page = await listUsers(app, `?limit=3&offset=${offset}`)
      expect(page.count).toBe(7)
      expect(page.results.length).toBe(offset === 6 ? 1 : 3)
      seen.push(...page.results.map((u) => u.id))
    }
    expect(seen.sort()).toEqual([...ids].sort())
    const beyond = await listUsers(app, "?limit=3&offset=50")
    expect(beyond).toEqual({ count: 7, results: [] })
  })

  it("refuses bad paging parameters with 400 naming them", async () => {
    const app = await server.newApp("users-bad-query")
    for (const [query, field] of [
      ["?limit=0", "limit"],
      ["?limit=abc", "limit"],
      ["?limit=-1", "limit"],
      ["?offset=-1", "offset"],
      ["?offset=abc", "offset"]
    ] as const) {
      expectBadField(await request(server.url, "GET", `/v1/users${query}`, { token: app.secret }), field)
    }
  })
})

describe("GET /v1/users/{userId}", () => {
  it("reports online and the number of live sessions", async () => {
    const app = await server.newApp("users-online")
    await server.registerUsers(app, ["alice", "bob"])
    const token = localToken(app, "alice")
    const first = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(token)}`)
    await first.next((f) => f.type === "welcome")
    expect(expectOk(await getUser(app, "alice"))).toMatchObject({ online: true, sessions: 1 })
    const second = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(token)}`)
    await second.next((f) => f.type === "welcome")
    expect(expectOk(await getUser(app, "alice"))).toMatchObject({ online: true, sessions: 2 })
    expect(expectOk(await getUser(app, "bob"))).toMatchObject({ online: false, sessions: 0 })
    const listed = await listUsers(app)
    expect(listed.results.find((u) => u.id === "alice")?.online).toBe(true)
    expect(listed.results.find((u) => u.id === "bob")?.online).toBe(false)

    await first.close()
    await eventually(async () => expectOk(await getUser(app, "alice")).sessions === 1, {
      what: "alice to have 1 session after one closed"
    })
    expect(expectOk(await getUser(app, "alice")).online).toBe(true)
    await second.close()
    await eventually(async () => expectOk(await getUser(app, "alice")).sessions === 0, {
      what: "alice to have no session after both closed"
    })
    expect(expectOk(await getUser(app, "alice")).online).toBe(false)
  })

  it("404 not_found for an unknown user", async () => {
    const app = await server.newApp("users-unknown")
    expectError(await getUser(app, "nobody"), 404, "not_found")
  })
})

describe("DELETE /v1/users/{userId}", () => {
  it("204; the user, their notifications and stream are erased; others are untouched", async () => {
    const app = await server.newApp("users-delete")
    await server.registerUsers(app, ["gone", "stays"])
    await server.notify(app, { content: "one" })
    await server.notify(app, { users: ["gone"], content: "two" })
    expect((await stats(server.url, app))["users"]).toBe(2)

    const res = await request(server.url, "DELETE", "/v1/users/gone", { token: app.secret })
    expect(res.status, res.text).toBe(204)
    expect(res.text).toBe("")

    expectError(await getUser(app, "gone"), 404, "not_found")
    expect((await listUsers(app)).results.map((u) => u.id)).toEqual(["stays"])
    expect((await stats(server.url, app))["users"]).toBe(1)
    expectError(
      await request(server.url, "DELETE", "/v1/users/gone", { token: app.secret }),
      404,
      "not_found"
    )

    // registering the same id again starts from nothing
    await server.registerUsers(app, ["gone"])
    const list = expectOk(
      await request<NotificationList>(server.url, "GET", "/v1/users/gone/notifications", {
        token: app.secret
      })
    )
    expect(list.count).toBe(0)
    expect(list.results).toEqual([])
    expect(await counts(server.url, localToken(app, "gone"))).toEqual({ unseen: 0, unread: 0, total: 0 })

    const stays = expectOk(
      await request<NotificationList>(server.url, "GET", "/v1/users/stays/notifications", {
        token: app.secret
      })
    )
    expect(stays.count).toBe(1)
  })

  it("404 not_found for an unknown user", async () => {
    const app = await server.newApp("users-delete-unknown")
    expectError(
      await request(server.url, "DELETE", "/v1/users/nobody", { token: app.secret }),
      404,
      "not_found"
    )
  })
})

describe("GET /v1/users/{userId}/notifications", () => {
  it("lists that user's notifications, newest first, in the Notification shape", async () => {
    const app = await server.newApp("users-notifications")
    await server.registerUsers(app, ["alice", "bob"])
    await server.notify(app, { users: ["alice"], content: "first" })
    await server.notify(app, { users: ["alice"], content: { second: true }, title: "Two" })
    await server.notify(app, { users: ["bob"], content: "bob's" })
    const list = expectOk(
      await request<NotificationList>(server.url, "GET", "/v1/users/alice/notifications", {
        token: app.secret
      })
    )
    expect(list.count).toBe(2)
    expect(list.results.map((n) => n.content)).toEqual([{ second: true }, "first"])
    for (const n of list.results) {
      expect(Object.keys(n).sort()).toEqual(NOTIFICATION_KEYS)
      expect(n.user).toBe("alice")
    }
    expect(list.results[0]!.title).toBe("Two")
    expect(list.next).toBeNull()
    expect(list.previous).toBeNull()
    const filtered = expectOk(
      await request<NotificationList>(server.url, "GET", "/v1/users/alice/notifications?limit=1", {
        token: app.secret
      })
    )
    expect(filtered.count).toBe(2)
    expect(filtered.results.map((n) => n.content)).toEqual([{ second: true }])
    expect(filtered.next).not.toBeNull()
    // the link leads to the next page of the same backend list
    const link = new URL(filtered.next!, server.url)
    expect(link.pathname).toBe("/v1/users/alice/notifications")
    const rest = expectOk(
      await request<NotificationList>(server.url, "GET", link.pathname + link.search, { token: app.secret })
    )
    expect(rest.results.map((n) => n.content)).toEqual(["first"])
    expect(rest.next).toBeNull()
    expect(rest.previous).not.toBeNull()
  })

  it("serves a user id with a slash and a space, and its paging links keep it encoded", async () => {
    const app = await server.newApp("users-notifications-odd-id")
    for (const content of [1, 2]) await server.notify(app, { users: ["team/a b"], content })
    const path = `/v1/users/${encodeURIComponent("team/a b")}/notifications`
    const first = expectOk(
      await request<NotificationList>(server.url, "GET", `${path}?limit=1`, { token: app.secret })
    )
    expect(first.results.map((n) => [n.user, n.content])).toEqual([["team/a b", 2]])
    const link = new URL(first.next!, server.url)
    const second = expectOk(
      await request<NotificationList>(server.url, "GET", link.pathname + link.search, { token: app.secret })
    )
    expect(second.results.map((n) => [n.user, n.content])).toEqual([["team/a b", 1]])
    expect((await counts(server.url, localToken(app, "team/a b"))).total).toBe(2)
  })

  it("404 for an unknown user", async () => {
    const app = await server.newApp("users-notifications-unknown")
    expectError(
      await request(server.url, "GET", "/v1/users/nobody/notifications", { token: app.secret }),
      404,
      "not_found"
    )
  })
})
