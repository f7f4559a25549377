/**
 * Every 400 says in plain words what was expected, names the field, lists every valid value of
 * an enum and quotes at most a short excerpt of what came (issue 16). `users: "alice"` used to
 * answer `Expected ReadonlyArray<{ minLength(1) & maxLength(128) | filter } | …`, `status=bogus`
 * named only `"all"`, and 10,001 users echoed the whole array.
 *
 * Walks the invalid fixtures of every request schema (packages/protocol/test/fixtures) through
 * the endpoint that decodes it; docs and SDKs name the same fields.
 */
import { localToken, type Reply, request, schemaSyntaxIn, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { invalidFixtures } from "../../../../packages/protocol/test/loadFixtures.js"
import { expectBadField, expectOk, type NotificationList } from "./helpers.js"

const server = useServer()
let app: TestApp
let id: string

beforeAll(async () => {
  app = await server.newApp("error-messages")
  expectOk(
    await request(server.url, "PUT", "/v1/event-types/like", { token: app.secret, body: { title: "Like" } })
  )
  await server.registerUsers(app, ["alice"])
  await server.notify(app, { users: ["alice"], type: "like", content: "hi" })
  const list = expectOk(
    await request<NotificationList>(server.url, "GET", "/v1/me/notifications", {
      token: localToken(app, "alice")
    })
  )
  id = list.results[0]!.id
})

const alice = () => localToken(app, "alice")
const query = (input: unknown) => new URLSearchParams(input as Record<string, string>).toString()

/** The endpoint that decodes each request schema, sending a fixture's input. */
const ENDPOINTS: Record<string, ReadonlyArray<(input: unknown) => Promise<Reply>>> = {
  NotifyRequest: [(body) => request(server.url, "POST", "/v1/notify", { token: app.secret, body })],
  RegisterUsersRequest: [(body) => request(server.url, "POST", "/v1/users", { token: app.secret, body })],
  TokenRequest: [(body) => request(server.url, "POST", "/v1/tokens", { token: app.secret, body })],
  CreateAppRequest: [(body) => request(server.url, "POST", "/v1/apps", { token: server.adminToken, body })],
  PutEventTypeRequest: [
    (body) => request(server.url, "PUT", "/v1/event-types/like", { token: app.secret, body })
  ],
  PatchNotificationRequest: [
    (body) => request(server.url, "PATCH", `/v1/me/notifications/${id}`, { token: alice(), body })
  ],
  BatchPatchRequest: [
    (body) => request(server.url, "PATCH", "/v1/me/notifications", { token: alice(), body })
  ],
  PutPreferencesRequest: [
    (body) => request(server.url, "PUT", "/v1/me/preferences", { token: alice(), body })
  ],
  ListQuery: [
    (q) => request(server.url, "GET", `/v1/me/notifications?${query(q)}`, { token: alice() }),
    (q) => request(server.url, "GET", `/v1/users/alice/notifications?${query(q)}`, { token: app.secret })
  ]
}

/** A 400 naming `field`, in plain words, short. */
const expectPlain400 = (res: Reply, field: string, label: string): string => {
  expectBadField(res, field)
  const { message } = (res.body as { error: { message: string } }).error
  expect(schemaSyntaxIn(message), `${label}: ${message}`).toBeUndefined()
  expect(message.length, `${label}: ${message}`).toBeLessThanOrEqual(300)
  expect(
    message.startsWith(`${field}: `) ||
      message.startsWith(`${field.split(".")[0]}`) ||
      message.startsWith(`unknown field ${field}; `),
    message
  ).toBe(true)
  return message
}

describe("every request schema's invalid fixtures, sent to its endpoint", () => {
  const cases = invalidFixtures().filter((f) => f.schema in ENDPOINTS)
  it("covers every request schema", () => {
    expect(new Set(cases.map((f) => f.schema))).toEqual(new Set(Object.keys(ENDPOINTS)))
  })
  it.each(cases.map((f) => [f.file, f] as const))("%s", async (_, fixture) => {
    for (const send of ENDPOINTS[fixture.schema]!) {
      const res = await send(fixture.input)
      const field = fixture.path === "" ? (fixture.schema === "ListQuery" ? "query" : "body") : fixture.path
      expectPlain400(res, field, fixture.file)
    }
  })
})

describe("the cases of the issue", () => {
  const post = (path: string, body: unknown) => request(server.url, "POST", path, { token: app.secret, body })

  it('users: "alice" says an array of user ids or {id, email?, name?} objects is expected', async () => {
    const message = expectPlain400(
      await post("/v1/notify", { users: "alice", content: "x" }),
      "users",
      "users"
    )
    expect(message).toBe(
      'users: must be an array of at most 10000 items, each a string of 1-128 characters or an object {id, email?, name?}, got "alice"'
    )
  })

  it("status=bogus names every valid status", async () => {
    const res = await request(server.url, "GET", "/v1/me/notifications?status=bogus", { token: alice() })
    expect(expectPlain400(res, "status", "status")).toBe(
      'status: must be one of: all, unseen, unread, read, got "bogus"'
    )
  })

  it("10,001 users names users and the limit without echoing them", async () => {
    const users = Array.from({ length: 10_001 }, (_, i) => `user-${i}`)
    for (const path of ["/v1/notify", "/v1/users"]) {
      // /v1/users takes no content (an unknown field is refused before the users are counted)
      const body = path === "/v1/notify" ? { users, content: "x" } : { users }
      const message = expectPlain400(await post(path, body), "users", path)
      expect(message).toContain("at most 10000")
      expect(message).not.toContain("user-1")
    }
  })

  it("a long bad value is quoted as a short excerpt", async () => {
    const message = expectPlain400(
      await post("/v1/users", { users: [{ id: "ok", email: "e".repeat(5000) }] }),
      "users.0.email",
      "email"
    )
    expect(message).toContain("(5000 characters)")
    expect(message.length).toBeLessThan(120)
  })

  it("an undeclared type in preferences names the declared ones", async () => {
    const res = await request(server.url, "PUT", "/v1/me/preferences", {
      token: alice(),
      body: { types: { nope: { inApp: false } } }
    })
    expect(expectPlain400(res, "types.nope", "preferences")).toBe(
      "types.nope: unknown event type; this app declares: like"
    )
  })

  it("an undeclared type in notify names the declared ones", async () => {
    const res = await post("/v1/notify", { users: ["alice"], type: "nope", content: "x" })
    expect(expectPlain400(res, "type", "notify")).toBe("type: unknown event type; this app declares: like")
  })
})
