/**
 * Away members (PROTOCOL.md §13): a member with no live session when a message is stored, who
 * has not read it `notifyAfter` seconds later, gets one inbox notification of type `message` per
 * conversation and quiet period ("3 new messages from Ana"); a member who was online, or read in
 * time, gets none; a later message starts a new period; the member's preferences apply, and the
 * type is known even in an app that declared other types. `notifyAfter` is the app's setting,
 * shortened to 2 s here (the posts and the read before it is due take milliseconds). Runs on SQLite (server) and PostgreSQL (server-pg).
 */
import type { Notification } from "@pushback/protocol/types"
import { connectWs, eventually, request, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { expectOk } from "../http/helpers.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("chat-away")
  expectOk(await call("PUT", "/v1/conversation-settings", { notifyAfter: 2 }))
  // an app with declared types still gets `message` notifications
  expectOk(await call("PUT", "/v1/event-types/order_shipped", { title: "Order shipped" }))
  expectOk(
    await call("POST", "/v1/users", {
      users: [{ id: "ana", name: "Ana" }, "ben", "cy", "dee", "eli", { id: "gil", name: "Gil" }]
    })
  )
})

const call = <T = unknown>(method: string, path: string, body?: unknown) =>
  request<T>(server.url, method, path, { token: app.secret, ...(body === undefined ? {} : { body }) })

const inbox = async (user: string) =>
  expectOk(await call<{ count: number; results: Notification[] }>("GET", `/v1/users/${user}/notifications`))

describe("away members", () => {
  // The two tests share no member, so they run at once.
  it.concurrent("get one `message` notification per conversation and quiet period; the online and those who read get none", async () => {
    const ana = await server.userToken(app, "ana")
    const dee = await server.userToken(app, "dee")
    const cy = await server.userToken(app, "cy")
    const eli = await server.userToken(app, "eli")
    expectOk(
      await request(server.url, "PUT", "/v1/me/preferences", {
        token: eli,
        body: { types: { message: { inApp: false } } }
      })
    )
    const c = expectOk(
      await call<{ id: string }>("POST", "/v1/conversations", {
        members: ["ana", "ben", "cy", "dee", "eli"],
        title: "Team"
      }),
      201
    )
    const online = await connectWs(`${server.wsUrl}/v1/ws?token=${dee}`)
    await online.next((f) => f.type === "welcome")
    const send = (text: string) =>
      request(server.url, "POST", `/v1/me/conversations/${c.id}/messages`, {
        token: ana,
        body: { text, clientId: text }
      })
    for (const text of ["one", "two", "three"]) expectOk(await send(text), 201)
    expectOk(
      await request(server.url, "POST", `/v1/me/conversations/${c.id}/read`, { token: cy, body: { seq: 3 } })
    )

    await eventually(async () => (await inbox("ben")).count === 1, { timeout: 10_000 })
    const [first] = (await inbox("ben")).results
    expect(first).toMatchObject({
      type: "message",
      title: "Team",
      content: "3 new messages from Ana",
      data: { conversation: c.id, seq: 3, count: 3 }
    })
    // a later message: a new period, a second notification (counting every unread one)
    expectOk(await send("four"), 201)
    await eventually(async () => (await inbox("ben")).count === 2, { timeout: 10_000 })
    expect((await inbox("ben")).results[0]).toMatchObject({
      content: "4 new messages from Ana",
      data: { seq: 4 }
    })
    // the first period's jobs were due before the second's: every one has run by now
    expect((await inbox("ben")).count).toBe(2)
    // cy read the first three in time: only the fourth, in the second period
    await eventually(async () => (await inbox("cy")).count === 1, { timeout: 10_000 })
    expect((await inbox("cy")).results[0]).toMatchObject({
      content: "a new message from Ana",
      data: { seq: 4, count: 1 }
    })
    expect((await inbox("dee")).count).toBe(0) // online when the messages were stored
    expect((await inbox("eli")).count).toBe(0) // refuses `message` in-app
    expect((await inbox("ana")).count).toBe(0) // the author
    expect(online.frames.filter((f) => f.type === "notification")).toHaveLength(0)
    await online.close()
  })

  it.concurrent("name several authors and count system messages", async () => {
    const c = expectOk(
      await call<{ id: string }>("POST", "/v1/conversations", { members: ["gil", "hal", "fay"] }),
      201
    )
    expectOk(await call("POST", `/v1/conversations/${c.id}/messages`, { text: "hello", author: "gil" }), 201)
    expectOk(await call("POST", `/v1/conversations/${c.id}/messages`, { text: "hi", author: "hal" }), 201)
    expectOk(await call("POST", `/v1/conversations/${c.id}/messages`, { text: "Order shipped" }), 201)
    await eventually(async () => (await inbox("fay")).count === 1, { timeout: 10_000 })
    expect((await inbox("fay")).results[0]).toMatchObject({
      type: "message",
      title: "New messages",
      content: "3 new messages from Gil and hal"
    })
  })
})
