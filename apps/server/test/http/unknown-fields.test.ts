/**
 * A typo is refused, not dropped (PROTOCOL.md §16, issue 26): on the v1 endpoints a body field
 * the endpoint does not take is 400 `bad_request` naming the field and the closest known one,
 * at any depth (`email`, `push`, a user of `users`, a preference), and nothing is stored. The
 * seed-compatible endpoints (§9) keep accepting their callers' extra fields.
 */
import { localToken, type Reply, request, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { expectBadField, expectOk, type NotificationList } from "./helpers.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("unknown-fields")
  expectOk(
    await request(server.url, "PUT", "/v1/event-types/like", { token: app.secret, body: { title: "Like" } })
  )
  await server.registerUsers(app, ["alice"])
  await server.notify(app, { users: ["alice"], type: "like", content: "first" })
})

const alice = () => localToken(app, "alice")
const inbox = async () =>
  expectOk(await request<NotificationList>(server.url, "GET", "/v1/me/notifications", { token: alice() }))

/** A 400 whose message is `message` and whose details name `field` and `closest`. */
const expectUnknown = (res: Reply, field: string, message: string, closest?: string) => {
  expectBadField(res, field)
  const error = (res.body as { error: { message: string; details: Record<string, unknown> } }).error
  expect(error.message).toBe(message)
  expect(error.details).toEqual(closest === undefined ? { field } : { field, closest })
}

const notify = (body: unknown) => request(server.url, "POST", "/v1/notify", { token: app.secret, body })

describe("an unknown field of a v1 body", () => {
  it("is 400 naming it and the closest known name, and the notify stores nothing", async () => {
    const before = await inbox()
    expectUnknown(
      await notify({ users: ["alice"], titel: "x", content: "c" }),
      "titel",
      "unknown field titel; did you mean title?",
      "title"
    )
    expectUnknown(
      await notify({ users: ["alice"], content: "c", email: { sned: true } }),
      "email.sned",
      "unknown field email.sned; did you mean email.send?",
      "email.send"
    )
    expectUnknown(
      await notify({ users: ["alice"], content: "c", push: { sendd: true } }),
      "push.sendd",
      "unknown field push.sendd; did you mean push.send?",
      "push.send"
    )
    expectUnknown(
      await notify({ users: [{ id: "alice", emial: "a@example.com" }], content: "c" }),
      "users.0.emial",
      "unknown field users.0.emial; did you mean users.0.email?",
      "users.0.email"
    )
    // letter case and a swapped pair are typos too; a name far from every known one gets the list
    expectUnknown(
      await notify({ users: ["alice"], Content: "c" }),
      "Content",
      "unknown field Content; did you mean content?",
      "content"
    )
    const far = await notify({ users: ["alice"], content: "c", zzzzzzzz: 1 })
    expectBadField(far, "zzzzzzzz")
    const { message } = (far.body as { error: { message: string } }).error
    expect(message).toMatch(/^unknown field zzzzzzzz; known fields: users, /)
    for (const name of ["type", "title", "content", "email", "idempotencyKey"]) {
      expect(message.split("known fields: ")[1]!.split(", ")).toContain(name)
    }
    const after = await inbox()
    expect(after.count).toBe(before.count)
    expect(after.results.map((n) => n.id)).toEqual(before.results.map((n) => n.id))
  })

  it("is refused by every v1 body: users, tokens, event types, marks, preferences, apps", async () => {
    expectUnknown(
      await request(server.url, "POST", "/v1/users", { token: app.secret, body: { user: ["bob"] } }),
      "user",
      "unknown field user; did you mean users?",
      "users"
    )
    expectUnknown(
      await request(server.url, "POST", "/v1/tokens", {
        token: app.secret,
        body: { user: "alice", ttlSecond: 60 }
      }),
      "ttlSecond",
      "unknown field ttlSecond; did you mean ttlSeconds?",
      "ttlSeconds"
    )
    expectUnknown(
      await request(server.url, "PUT", "/v1/event-types/like", {
        token: app.secret,
        body: { title: "Like", descripton: "d" }
      }),
      "descripton",
      "unknown field descripton; did you mean description?",
      "description"
    )
    const id = (await inbox()).results[0]!.id
    expectUnknown(
      await request(server.url, "PATCH", `/v1/me/notifications/${id}`, {
        token: alice(),
        body: { raed: true }
      }),
      "raed",
      "unknown field raed; did you mean read?",
      "read"
    )
    expectUnknown(
      await request(server.url, "PATCH", "/v1/me/notifications", {
        token: alice(),
        body: { all: true, sen: true }
      }),
      "sen",
      "unknown field sen; did you mean seen?",
      "seen"
    )
    expectUnknown(
      await request(server.url, "PUT", "/v1/me/preferences", {
        token: alice(),
        body: { types: { like: { inApp: true, emails: false } } }
      }),
      "types.like.emails",
      "unknown field types.like.emails; did you mean types.like.email?",
      "types.like.email"
    )
    expectUnknown(
      await request(server.url, "POST", "/v1/apps", { token: server.adminToken, body: { nmae: "x" } }),
      "nmae",
      "unknown field nmae; did you mean name?",
      "name"
    )
    // nothing was changed: the notification is unread, the preference as it was, no app "x"
    expect((await inbox()).results[0]!.readAt).toBeNull()
    const prefs = expectOk(
      await request<{ types: Record<string, Record<string, boolean>> }>(
        server.url,
        "GET",
        "/v1/me/preferences",
        { token: alice() }
      )
    )
    expect(prefs.types["like"]).toMatchObject({ inApp: true, email: true })
    const apps = expectOk(
      await request<{ apps: Array<{ name: string }> }>(server.url, "GET", "/v1/apps", {
        token: server.adminToken
      })
    )
    expect(apps.apps.map((a) => a.name)).not.toContain("x")
  })
})

describe("the seed-compatible endpoints (§9)", () => {
  it("keep accepting their callers' extra fields", async () => {
    const before = (await inbox()).count
    expectOk(
      await request(server.url, "POST", "/api/v1/notify/", {
        token: app.secret,
        body: { users: ["alice"], content: "django", app_token: app.secret, extra: "kept quiet" }
      }),
      202
    )
    expectOk(
      await request(server.url, "POST", "/notify", {
        token: app.secret,
        body: {
          users: JSON.stringify([{ id: "alice", email: "alice@example.com", phone: "+1" }]),
          title: "webservice",
          content: "x",
          sender: "someone"
        }
      }),
      202
    )
    expect((await inbox()).count).toBe(before + 2)
  })
})
