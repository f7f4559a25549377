/**
 * The conversations API (PROTOCOL.md §13) as a backend and its users call it: conversations
 * created, read, changed and deleted; messages from the backend (system messages) and from
 * members, a repeated `clientId` answering the first message; history paged newest first; a
 * user's conversations with unread counts, latest messages and most recent activity first; read
 * marks that never move back; non-members and removed members refused (404: what a caller cannot
 * see does not exist for them); bad bodies 400 with nothing stored; the operator's list; the
 * `message.created` webhook event (PROTOCOL.md §15) for each message stored, none for a repeat.
 * Runs on SQLite (server) and PostgreSQL (server-pg).
 */
import type { Conversation, Message, MyConversationList } from "@pushback/protocol/types"
import { request, type TestApp, useServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectBadField, expectError, expectOk, expectTimestamp } from "../http/helpers.js"
import { createHook, QUICK_WEBHOOKS } from "../webhooks/helpers.js"
import { type Receiver, startReceiver } from "../webhooks/receiver.js"

let receiver: Receiver
beforeAll(async () => {
  receiver = await startReceiver()
})
afterAll(async () => {
  expect(receiver.rejected).toEqual([])
  await receiver.close()
})

const server = useServer(() => ({ config: { webhooks: QUICK_WEBHOOKS } }))

const call = <T = unknown>(app: TestApp, method: string, path: string, body?: unknown) =>
  request<T>(server.url, method, path, { token: app.secret, ...(body === undefined ? {} : { body }) })

const as = <T = unknown>(token: string, method: string, path: string, body?: unknown) =>
  request<T>(server.url, method, path, { token, ...(body === undefined ? {} : { body }) })

describe("conversations", () => {
  it("creates (registering members), reads, renames, changes members and deletes a conversation", async () => {
    const app = await server.newApp("chat-crud")
    const created = expectOk(
      await call<Conversation>(app, "POST", "/v1/conversations", {
        members: ["ana", "ben", "ana"],
        title: "Trip",
        data: { trip: 7 }
      }),
      201
    )
    expect(created.id).toMatch(/^cnv_/)
    expect(created).toMatchObject({
      title: "Trip",
      data: { trip: 7 },
      members: [
        { user: "ana", lastReadSeq: 0 },
        { user: "ben", lastReadSeq: 0 }
      ],
      lastSeq: 0
    })
    expectTimestamp(created.createdAt)
    // members are registered users
    expectOk(await call(app, "GET", "/v1/users/ben"))
    expect(expectOk(await call<Conversation>(app, "GET", `/v1/conversations/${created.id}`))).toEqual(created)
    // a chosen id; taken twice is 409
    expectOk(await call(app, "POST", "/v1/conversations", { id: "order:42", members: ["ana", "cy"] }), 201)
    expectError(
      await call(app, "POST", "/v1/conversations", { id: "order:42", members: ["ana", "cy"] }),
      409,
      "conflict"
    )
    const changed = expectOk(
      await call<Conversation>(app, "PATCH", `/v1/conversations/${created.id}`, {
        title: "Lisbon",
        add: ["cy"],
        remove: ["ben"]
      })
    )
    expect(changed).toMatchObject({
      title: "Lisbon",
      data: { trip: 7 },
      members: [{ user: "ana" }, { user: "cy" }]
    })
    // fewer than 2 members is refused, changing nothing
    expectBadField(await call(app, "PATCH", `/v1/conversations/${created.id}`, { remove: ["cy"] }), "remove")
    expectBadField(
      await call(app, "PATCH", `/v1/conversations/${created.id}`, { add: ["x"], remove: ["x"] }),
      "remove"
    )
    expect(expectOk(await call<Conversation>(app, "GET", `/v1/conversations/${created.id}`))).toEqual(changed)
    expect(await call(app, "DELETE", `/v1/conversations/${created.id}`)).toMatchObject({ status: 204 })
    expectError(await call(app, "GET", `/v1/conversations/${created.id}`), 404, "not_found")
    expectError(await call(app, "DELETE", `/v1/conversations/${created.id}`), 404, "not_found")
    // another app sees none of them
    const other = await server.newApp("chat-other")
    expectError(await call(other, "GET", "/v1/conversations/order:42"), 404, "not_found")
  })

  it("refuses bad bodies with 400 naming the field, storing nothing", async () => {
    const app = await server.newApp("chat-bad")
    expectBadField(await call(app, "POST", "/v1/conversations", { members: ["solo"] }), "members")
    expectBadField(await call(app, "POST", "/v1/conversations", { members: ["a", "a"] }), "members")
    const many = Array.from({ length: 101 }, (_, i) => `u${i}`)
    expectBadField(await call(app, "POST", "/v1/conversations", { members: many }), "members")
    expectBadField(await call(app, "POST", "/v1/conversations", { members: ["a", "b"], titel: "x" }), "titel")
    expectBadField(
      await call(app, "POST", "/v1/conversations", { members: ["a", "b"], data: "x".repeat(4100) }),
      "data"
    )
    expectBadField(await call(app, "POST", "/v1/conversations", { id: "a b", members: ["a", "b"] }), "id")
    expect(
      expectOk(
        await request<{ count: number }>(server.url, "GET", `/v1/apps/${app.id}/conversations`, {
          token: server.adminToken
        })
      ).count
    ).toBe(0)
    const c = expectOk(
      await call<Conversation>(app, "POST", "/v1/conversations", { members: ["a", "b"] }),
      201
    )
    const path = `/v1/conversations/${c.id}/messages`
    expectBadField(await call(app, "POST", path, { text: "" }), "text")
    expectBadField(await call(app, "POST", path, { text: "x".repeat(4001) }), "text")
    expectBadField(await call(app, "POST", path, { text: "hi", data: { big: "y".repeat(4096) } }), "data")
    expectBadField(await call(app, "POST", path, { text: "hi", clientId: "c1" }), "clientId")
    expectBadField(await call(app, "POST", path, { text: "hi", author: "stranger" }), "author")
    // U+0000 (which PostgreSQL text cannot hold) is refused the same on both stores
    expectBadField(await call(app, "POST", path, { text: "a\u0000b" }), "text")
    expectBadField(await call(app, "POST", "/v1/conversations", { members: ["a\u0000", "b"] }), "members")
    expectBadField(
      await call(app, "POST", "/v1/conversations", { members: ["a", "b"], title: "\u0000" }),
      "title"
    )
    expectBadField(await call(app, "PATCH", `/v1/conversations/${c.id}`, { add: ["\u0000"] }), "add")
    expectOk(await call(app, "POST", path, { text: "x".repeat(4000) }), 201)
    expect(expectOk(await call<Conversation>(app, "GET", `/v1/conversations/${c.id}`)).lastSeq).toBe(1)
    expectError(await call(app, "POST", "/v1/conversations/nope/messages", { text: "hi" }), 404, "not_found")
  })

  it("members send (a repeated clientId answers the first), page history, list and read; others are refused", async () => {
    const app = await server.newApp("chat-members")
    const ana = await server.userToken(app, "ana")
    const ben = await server.userToken(app, "ben")
    const eve = await server.userToken(app, "eve")
    const c = expectOk(
      await call<Conversation>(app, "POST", "/v1/conversations", { members: ["ana", "ben"], title: "Lunch" }),
      201
    )
    const quiet = expectOk(
      await call<Conversation>(app, "POST", "/v1/conversations", { members: ["ana", "eve"] }),
      201
    )
    const messages = `/v1/me/conversations/${c.id}/messages`
    const system = expectOk(
      await call<Message>(app, "POST", `/v1/conversations/${c.id}/messages`, {
        text: "Welcome",
        data: { k: 1 }
      }),
      201
    )
    expect(system).toMatchObject({
      conversation: c.id,
      seq: 1,
      author: null,
      text: "Welcome",
      data: { k: 1 }
    })
    expect(system).not.toHaveProperty("clientId")
    const first = expectOk(await as<Message>(ana, "POST", messages, { text: "Noon?", clientId: "a-1" }), 201)
    expect(first).toMatchObject({ seq: 2, author: "ana", text: "Noon?", data: null, clientId: "a-1" })
    // the same user's same clientId: the first message, nothing new
    expect(
      expectOk(await as<Message>(ana, "POST", messages, { text: "Noon??", clientId: "a-1" }), 201)
    ).toEqual(first)
    // another user's same clientId is theirs
    const reply = expectOk(await as<Message>(ben, "POST", messages, { text: "Yes", clientId: "a-1" }), 201)
    expect(reply.seq).toBe(3)
    const backend = expectOk(
      await call<Message>(app, "POST", `/v1/conversations/${c.id}/messages`, { text: "ok", author: "ben" }),
      201
    )
    expect(backend).toMatchObject({ seq: 4, author: "ben" })

    const page = expectOk(await as<{ messages: Message[] }>(ana, "GET", `${messages}?limit=2`))
    expect(page.messages.map((m) => m.seq)).toEqual([4, 3])
    const older = expectOk(await as<{ messages: Message[] }>(ana, "GET", `${messages}?before=3&limit=50`))
    expect(older.messages.map((m) => m.seq)).toEqual([2, 1])
    expectBadField(await as(ana, "GET", `${messages}?limit=101`), "limit")

    const mine = expectOk(await as<MyConversationList>(ana, "GET", "/v1/me/conversations"))
    expect(mine.count).toBe(2)
    expect(mine.results.map((r) => r.id)).toEqual([c.id, quiet.id])
    expect(mine.results[0]).toMatchObject({
      title: "Lunch",
      lastSeq: 4,
      unread: 3,
      lastMessage: { seq: 4, text: "ok" }
    })
    expect(mine.results[1]).toMatchObject({ unread: 0, lastMessage: null })
    expect(
      expectOk(await as<MyConversationList>(ben, "GET", "/v1/me/conversations")).results[0]
    ).toMatchObject({
      unread: 2
    })

    // read marks: forward only, never past the last message
    const read = `/v1/me/conversations/${c.id}/read`
    expect(expectOk(await as(ana, "POST", read, { seq: 3 }))).toEqual({ lastReadSeq: 3 })
    expect(expectOk(await as(ana, "POST", read, { seq: 1 }))).toEqual({ lastReadSeq: 3 })
    expect(expectOk(await as(ana, "POST", read, { seq: 99 }))).toEqual({ lastReadSeq: 4 })
    expectBadField(await as(ana, "POST", read, { seq: -1 }), "seq")
    expect(
      expectOk(await as<MyConversationList>(ana, "GET", "/v1/me/conversations")).results[0]!.unread
    ).toBe(0)
    const stored = expectOk(await call<Conversation>(app, "GET", `/v1/conversations/${c.id}`))
    expect(stored.members).toEqual([
      { user: "ana", lastReadSeq: 4 },
      { user: "ben", lastReadSeq: 0 }
    ])

    // a non-member: 404 everywhere, nothing stored
    expectError(await as(eve, "POST", messages, { text: "hi", clientId: "e" }), 404, "not_found")
    expectError(await as(eve, "GET", messages), 404, "not_found")
    expectError(await as(eve, "POST", read, { seq: 1 }), 404, "not_found")
    expectError(await as(eve, "POST", `/v1/me/conversations/${c.id}/typing`), 404, "not_found")
    expectBadField(await as(ana, "POST", `/v1/me/conversations/${c.id}/typing`, { typing: true }), "typing")
    expectError(await as(eve, "GET", "/v1/me/conversations/no%20such/messages"), 404, "not_found")
    expectBadField(await as(ana, "POST", messages, { text: "hi", clientId: "\u0000" }), "clientId")
    // a removed member: the same
    expectOk(await call(app, "PATCH", `/v1/conversations/${c.id}`, { add: ["eve"], remove: ["ben"] }))
    expectError(await as(ben, "POST", messages, { text: "still here?", clientId: "b-2" }), 404, "not_found")
    expectError(await as(ben, "GET", messages), 404, "not_found")
    expect(expectOk(await as<MyConversationList>(ben, "GET", "/v1/me/conversations")).count).toBe(0)
    expect(expectOk(await call<Conversation>(app, "GET", `/v1/conversations/${c.id}`)).lastSeq).toBe(4)
    // a user token on a backend route, an app secret on a user route
    expectError(await as(ana, "POST", "/v1/conversations", { members: ["a", "b"] }), 401, "unauthorized")
    expectError(await call(app, "GET", "/v1/me/conversations"), 401, "unauthorized")
  })

  it("lists an app's conversations for the operator with members, message counts and last activity", async () => {
    const app = await server.newApp("chat-admin")
    const a = expectOk(
      await call<Conversation>(app, "POST", "/v1/conversations", { members: ["x", "y"], title: "A" }),
      201
    )
    const b = expectOk(
      await call<Conversation>(app, "POST", "/v1/conversations", { members: ["x", "z"] }),
      201
    )
    expectOk(await call(app, "POST", `/v1/conversations/${a.id}/messages`, { text: "1" }), 201)
    expectOk(await call(app, "POST", `/v1/conversations/${a.id}/messages`, { text: "2" }), 201)
    const admin = (path: string) =>
      request<{ count: number; results: Array<Record<string, unknown>> }>(server.url, "GET", path, {
        token: server.adminToken
      })
    const list = expectOk(await admin(`/v1/apps/${app.id}/conversations`))
    expect(list.count).toBe(2)
    expect(list.results.map((r) => [r["id"], r["members"], r["messages"]])).toEqual([
      [a.id, ["x", "y"], 2],
      [b.id, ["x", "z"], 0]
    ])
    expectTimestamp(list.results[0]!["lastActivity"])
    expect(
      expectOk(await admin(`/v1/apps/${app.id}/conversations?limit=1&offset=1`)).results.map((r) => r["id"])
    ).toEqual([b.id])
    expectError(await call(app, "GET", `/v1/apps/${app.id}/conversations`), 401, "unauthorized")
  })

  it("keeps the app's notifyAfter setting (default 60 s)", async () => {
    const app = await server.newApp("chat-settings")
    expect(expectOk(await call(app, "GET", "/v1/conversation-settings"))).toEqual({ notifyAfter: 60 })
    expect(expectOk(await call(app, "PUT", "/v1/conversation-settings", { notifyAfter: 5 }))).toEqual({
      notifyAfter: 5
    })
    expectBadField(await call(app, "PUT", "/v1/conversation-settings", { notifyAfter: -1 }), "notifyAfter")
    expectBadField(await call(app, "PUT", "/v1/conversation-settings", { notifyAftr: 1 }), "notifyAftr")
    expect(expectOk(await call(app, "GET", "/v1/conversation-settings"))).toEqual({ notifyAfter: 5 })
  })

  it("sends message.created for every message stored, by its author (none for a repeated clientId)", async () => {
    const app = await server.newApp("chat-hooks")
    await createHook(server, app, receiver, "/messages", { events: ["message.created"] })
    const ana = await server.userToken(app, "ana")
    const c = expectOk(
      await call<Conversation>(app, "POST", "/v1/conversations", { members: ["ana", "ben"] }),
      201
    )
    const mine = `/v1/me/conversations/${c.id}/messages`
    const sent = expectOk(await as<Message>(ana, "POST", mine, { text: "hi", clientId: "h1" }), 201)
    expectOk(await as(ana, "POST", mine, { text: "hi", clientId: "h1" }), 201)
    expectOk(await call(app, "POST", `/v1/conversations/${c.id}/messages`, { text: "system" }), 201)
    const ds = await receiver.waitFor("/messages", (all) => all.length >= 2)
    expect(ds.map((d) => d.body.type)).toEqual(["message.created", "message.created"])
    expect(ds[0]!.body.data).toEqual({ app: app.id, user: "ana", conversation: c.id, message: sent })
    expect(ds[1]!.body.data).toMatchObject({
      app: app.id,
      conversation: c.id,
      message: { seq: 2, author: null }
    })
    expect(ds[1]!.body.data).not.toHaveProperty("user")
    // the repeat made none: a later message is the third delivery
    expectOk(await call(app, "POST", `/v1/conversations/${c.id}/messages`, { text: "last" }), 201)
    const all = await receiver.waitFor("/messages", (x) => x.length >= 3)
    expect(all.map((d) => (d.body.data["message"] as Message).seq)).toEqual([1, 2, 3])
  })
})
