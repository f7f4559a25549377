/**
 * The topics API (PROTOCOL.md §11), through the server as a backend and its users call it:
 * topics created and changed with PUT (201, then 200), listed by prefix and page, read, deleted
 * with their subscriptions; users subscribed (registered when new, idempotent) and removed; a
 * user's own topics, following and leaving where the topic allows it (403 where not); bad keys
 * and bodies are 400 and unknown topics 404, changing nothing. Runs on SQLite (server) and
 * PostgreSQL (server-pg).
 */
import { request, type TestApp, userToken, useServer } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { expectBadField, expectError, expectOk, expectTimestamp } from "../http/helpers.js"

const server = useServer()

interface Topic {
  key: string
  name: string | null
  selfSubscribe: boolean
  subscribers: number
  createdAt: string
}

const call = <T = unknown>(app: TestApp, method: string, path: string, body?: unknown) =>
  request<T>(server.url, method, path, { token: app.secret, ...(body === undefined ? {} : { body }) })

describe("topics", () => {
  it("PUT creates (201) and changes (200) a topic; GET lists by prefix and page, reads one; DELETE removes it", async () => {
    const app = await server.newApp("topics-crud")
    const created = expectOk(
      await call<Topic>(app, "PUT", "/v1/topics/project:42", { name: "Project 42" }),
      201
    )
    expect(created).toMatchObject({
      key: "project:42",
      name: "Project 42",
      selfSubscribe: false,
      subscribers: 0
    })
    expectTimestamp(created.createdAt)
    // what is left out stays as it is
    const changed = expectOk(await call<Topic>(app, "PUT", "/v1/topics/project:42", { selfSubscribe: true }))
    expect(changed).toEqual({ ...created, selfSubscribe: true })
    expectOk(await call(app, "PUT", "/v1/topics/project:7"), 201)
    expectOk(await call(app, "PUT", "/v1/topics/news", { name: null }), 201)
    const all = expectOk(await call<{ count: number; results: Topic[] }>(app, "GET", "/v1/topics"))
    expect(all.count).toBe(3)
    expect(all.results.map((t) => t.key)).toEqual(["news", "project:42", "project:7"])
    const projects = expectOk(
      await call<{ count: number; results: Topic[] }>(
        app,
        "GET",
        "/v1/topics?prefix=project:&limit=1&offset=1"
      )
    )
    expect(projects.count).toBe(2)
    expect(projects.results.map((t) => t.key)).toEqual(["project:7"])
    // `%` and `_` in a prefix are plain characters
    expect(expectOk(await call<{ count: number }>(app, "GET", "/v1/topics?prefix=p%25")).count).toBe(0)
    expect(expectOk(await call<Topic>(app, "GET", "/v1/topics/project:42"))).toEqual(changed)
    expect(await call(app, "DELETE", "/v1/topics/project:42")).toMatchObject({ status: 204 })
    expectError(await call(app, "GET", "/v1/topics/project:42"), 404, "not_found")
    expectError(await call(app, "DELETE", "/v1/topics/project:42"), 404, "not_found")
    // another app sees none of them
    const other = await server.newApp("topics-other")
    expect(expectOk(await call<{ count: number }>(other, "GET", "/v1/topics")).count).toBe(0)
    expectError(await call(other, "GET", "/v1/topics/news"), 404, "not_found")
  })

  it("subscribes users (registering new ones, once each) and removes them; lists a topic's and a user's", async () => {
    const app = await server.newApp("topics-subscribers")
    expectOk(await call(app, "PUT", "/v1/topics/team"), 201)
    const added = await call(app, "POST", "/v1/topics/team/subscribers", {
      users: ["bo", { id: "al", email: "al@example.com" }, "bo"]
    })
    expect(expectOk(added)).toEqual({ added: 2 })
    // idempotent: already there
    expect(expectOk(await call(app, "POST", "/v1/topics/team/subscribers", { users: ["al", "cy"] }))).toEqual(
      {
        added: 1
      }
    )
    const user = expectOk(await call<{ email: string | null }>(app, "GET", "/v1/users/al"))
    expect(user.email).toBe("al@example.com")
    expect(expectOk(await call(app, "GET", "/v1/topics/team/subscribers?limit=2"))).toEqual({
      count: 3,
      results: ["al", "bo"]
    })
    expect(expectOk(await call<Topic>(app, "GET", "/v1/topics/team")).subscribers).toBe(3)
    expectOk(await call(app, "PUT", "/v1/topics/alpha"), 201)
    expectOk(await call(app, "POST", "/v1/topics/alpha/subscribers", { users: ["al"] }))
    expect(expectOk(await call(app, "GET", "/v1/users/al/topics"))).toEqual({ topics: ["alpha", "team"] })
    expect(
      expectOk(await call(app, "DELETE", "/v1/topics/team/subscribers", { users: ["al", "zz"] }))
    ).toEqual({
      removed: 1
    })
    expect(expectOk(await call(app, "GET", "/v1/users/al/topics"))).toEqual({ topics: ["alpha"] })
    // deleting a topic ends its subscriptions; the users stay
    expect(await call(app, "DELETE", "/v1/topics/alpha")).toMatchObject({ status: 204 })
    expect(expectOk(await call(app, "GET", "/v1/users/al/topics"))).toEqual({ topics: [] })
    expectOk(await call(app, "GET", "/v1/users/al"))
  })

  it("refuses bad keys, bodies and unknown topics with 4xx, changing nothing", async () => {
    const app = await server.newApp("topics-bad")
    expectBadField(await call(app, "PUT", "/v1/topics/has%20space"), "key")
    expectBadField(await call(app, "PUT", `/v1/topics/${"k".repeat(129)}`), "key")
    expectBadField(await call(app, "PUT", "/v1/topics/ok", { selfSubscribe: "yes" }), "selfSubscribe")
    expectBadField(await call(app, "PUT", "/v1/topics/ok", { name: "n".repeat(201) }), "name")
    expectError(await call(app, "POST", "/v1/topics/missing/subscribers", { users: ["a"] }), 404, "not_found")
    expectError(
      await call(app, "DELETE", "/v1/topics/missing/subscribers", { users: ["a"] }),
      404,
      "not_found"
    )
    expectError(await call(app, "GET", "/v1/topics/missing/subscribers"), 404, "not_found")
    expectOk(await call(app, "PUT", "/v1/topics/ok"), 201)
    expectBadField(await call(app, "POST", "/v1/topics/ok/subscribers", { users: [] }), "users")
    expectBadField(await call(app, "POST", "/v1/topics/ok/subscribers", { users: [""] }), "users")
    expectBadField(await call(app, "POST", "/v1/topics/ok/subscribers", {}), "users")
    expectBadField(await call(app, "GET", "/v1/topics?limit=0"), "limit")
    expect(expectOk(await call<{ count: number }>(app, "GET", "/v1/users?limit=100")).count).toBe(0)
    expect(expectOk(await call<Topic>(app, "GET", "/v1/topics/ok")).subscribers).toBe(0)
    // a user token is not a backend credential
    const token = await userToken(server, app, "u1", { register: true })
    expectError(await request(server.url, "GET", "/v1/topics", { token }), 401, "unauthorized")
  })

  it("a user lists their topics, follows and leaves a selfSubscribe topic, and is refused (403) others", async () => {
    const app = await server.newApp("topics-me")
    expectOk(await call(app, "PUT", "/v1/topics/open", { name: "Open", selfSubscribe: true }), 201)
    expectOk(await call(app, "PUT", "/v1/topics/closed", { name: "Closed" }), 201)
    expectOk(await call(app, "POST", "/v1/topics/closed/subscribers", { users: ["me"] }))
    const token = await userToken(server, app, "me")
    const me = (method: string, path: string) => request(server.url, method, path, { token })
    expect(expectOk(await me("GET", "/v1/me/topics"))).toEqual({
      topics: [{ key: "closed", name: "Closed", muted: false }]
    })
    expect(await me("PUT", "/v1/me/topics/open")).toMatchObject({ status: 204 })
    expect(await me("PUT", "/v1/me/topics/open")).toMatchObject({ status: 204 })
    expect(expectOk(await me("GET", "/v1/me/topics"))).toEqual({
      topics: [
        { key: "closed", name: "Closed", muted: false },
        { key: "open", name: "Open", muted: false }
      ]
    })
    expectError(await me("DELETE", "/v1/me/topics/closed"), 403, "forbidden")
    expectError(await me("PUT", "/v1/me/topics/closed"), 403, "forbidden")
    expectError(await me("PUT", "/v1/me/topics/nope"), 404, "not_found")
    expect(await me("DELETE", "/v1/me/topics/open")).toMatchObject({ status: 204 })
    expect(expectOk(await call(app, "GET", "/v1/users/me/topics"))).toEqual({ topics: ["closed"] })
  })
})
