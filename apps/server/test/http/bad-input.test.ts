/**
 * Bad input (PROTOCOL.md §3.5, §5): malformed JSON, wrong types, missing fields, over-long ids,
 * unknown event types, over-size bodies and notifications, non-object bodies, bad query
 * parameters are all 4xx (never 500), name the offending field, and never change stored data;
 * the server keeps serving. A path id that names nothing visible is 404, whatever its form.
 * Every message is in plain words, never a schema's syntax.
 */
import {
  localToken,
  type Reply,
  request,
  schemaSyntaxIn,
  type TestApp,
  type TestServer,
  useServers
} from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import {
  expectAlive,
  expectBadField,
  expectError,
  expectErrorShape,
  expectOk,
  type NotificationList
} from "./helpers.js"

const [server, small] = useServers({}, { config: { limits: { requestBodyBytes: 1024 } } })
let app: TestApp
let other: TestApp
let smallApp: TestApp
let aliceId: string

beforeAll(async () => {
  app = await server.newApp("bad-input")
  other = await server.newApp("bad-input-other")
  smallApp = await small.newApp("bad-input-small")
  expectOk(
    await request(server.url, "PUT", "/v1/event-types/like", { token: app.secret, body: { title: "Like" } })
  )
  await server.registerUsers(app, [{ id: "alice", email: "alice@example.com" }, "bob"])
  await server.registerUsers(other, ["carol"])
  await server.notify(app, { users: ["alice"], type: "like", content: "hello" })
  await server.notify(other, { users: ["carol"], content: "carol's" })
  await small.registerUsers(smallApp, ["alice"])
  await small.notify(smallApp, { users: ["alice"], content: "small" })
  const list = expectOk(
    await request<NotificationList>(server.url, "GET", "/v1/me/notifications", {
      token: localToken(app, "alice")
    })
  )
  aliceId = list.results[0]!.id
})

/** Everything the calls below could change, seen with the right credentials. */
const snapshot = async (s: TestServer, a: TestApp, user = "alice") => {
  const get = async (path: string, token: string) => {
    const res = await request(s.url, "GET", path, { token })
    expect(res.status, `${path}: ${res.text}`).toBe(200)
    return res.body
  }
  const alice = localToken(a, user)
  return {
    apps: await get("/v1/apps", s.adminToken),
    stats: await get("/v1/stats", a.secret),
    users: await get("/v1/users?limit=100", a.secret),
    types: await get("/v1/event-types", a.secret),
    aliceList: await get(`/v1/users/${user}/notifications?limit=100`, a.secret),
    aliceCounts: await get("/v1/me/counts", alice),
    alicePrefs: await get("/v1/me/preferences", alice)
  }
}

interface Case {
  name: string
  send: () => Promise<Reply>
  /** 400 naming this field... */
  field?: string
  /** ...or this status and code. */
  status?: number
  code?: string
}

/** One test per case: the expected error, nothing changed, the server still answers. */
const refuse = (cases: () => Case[], on: () => [TestServer, TestApp] = () => [server, app]) => {
  // the names are needed at collection time, the closures only when running
  const names = caseNames(cases)
  for (const [i, name] of names.entries()) {
    it(name, async () => {
      const [s, a] = on()
      const c = cases()[i]!
      const before = await snapshot(s, a)
      const res = await c.send()
      expect(res.status, `${name}: must never be a 5xx (${res.text})`).toBeLessThan(500)
      if (c.field !== undefined) expectBadField(res, c.field)
      else expectError(res, c.status ?? 400, c.code ?? "bad_request")
      // plain words: never the syntax of a schema (issue 16)
      const { message } = (res.body as { error: { message: string } }).error
      expect(schemaSyntaxIn(message), `${name}: ${message}`).toBeUndefined()
      expect(await snapshot(s, a), `${name} changed stored data`).toEqual(before)
      await expectAlive(s.url)
    })
  }
}

const caseNames = (cases: () => Case[]): string[] => {
  // build with placeholder globals: only `name` is read
  return cases().map((c) => c.name)
}

const post =
  (path: string, body: unknown, token = () => app.secret, s = () => server) =>
  () =>
    request(s().url, "POST", path, { token: token(), body })
const raw =
  (method: string, path: string, rawBody: string, token: () => string, s = () => server) =>
  () =>
    request(s().url, method, path, { token: token(), rawBody })
const secret = () => app.secret
const alice = () => localToken(app, "alice")
const admin = () => server.adminToken

describe("malformed JSON → 400", () => {
  refuse(() =>
    [
      {
        name: "POST /v1/notify, truncated object",
        send: raw("POST", "/v1/notify", '{"content": "x"', secret)
      },
      { name: "POST /v1/notify, empty body", send: raw("POST", "/v1/notify", "", secret) },
      {
        name: "POST /v1/notify, trailing garbage",
        send: raw("POST", "/v1/notify", '{"content":"x"} x', secret)
      },
      { name: "POST /v1/notify, single quotes", send: raw("POST", "/v1/notify", "{'content':'x'}", secret) },
      { name: "POST /v1/users", send: raw("POST", "/v1/users", "{users:[a]}", secret) },
      { name: "POST /v1/tokens", send: raw("POST", "/v1/tokens", "nope", secret) },
      { name: "PUT /v1/event-types/x", send: raw("PUT", "/v1/event-types/x", "{", secret) },
      { name: "PATCH /v1/me/notifications", send: raw("PATCH", "/v1/me/notifications", "{", alice) },
      { name: "PATCH /v1/me/notifications/{id}", send: raw("PATCH", "/v1/me/notifications/ID", "{", alice) },
      { name: "PUT /v1/me/preferences", send: raw("PUT", "/v1/me/preferences", "{", alice) },
      { name: "POST /v1/apps", send: raw("POST", "/v1/apps", "{", admin) }
    ].map((c) =>
      c.name.endsWith("{id}")
        ? { ...c, send: raw("PATCH", `/v1/me/notifications/${aliceId}`, "{", alice) }
        : c
    )
  )
})

describe("wrong types → 400 naming the field", () => {
  const n = (body: Record<string, unknown>) => post("/v1/notify", { users: ["alice"], content: "x", ...body })
  refuse(() => [
    { name: "notify users: a string", send: n({ users: "alice" }), field: "users" },
    { name: "notify users: [123]", send: n({ users: [123] }), field: "users" },
    { name: "notify users: [{id: 5}]", send: n({ users: [{ id: 5 }] }), field: "users" },
    { name: "notify users: [{id, email: 5}]", send: n({ users: [{ id: "new", email: 5 }] }), field: "users" },
    { name: "notify users: [null]", send: n({ users: [null] }), field: "users" },
    { name: "notify type: 5", send: n({ type: 5 }), field: "type" },
    { name: "notify title: 5", send: n({ title: 5 }), field: "title" },
    { name: "notify url: 5", send: n({ url: 5 }), field: "url" },
    { name: "notify icon: []", send: n({ icon: [] }), field: "icon" },
    { name: "notify image: {}", send: n({ image: {} }), field: "image" },
    { name: "notify email: 'yes'", send: n({ email: "yes" }), field: "email" },
    { name: "notify email.send: 'yes'", send: n({ email: { send: "yes" } }), field: "email" },
    { name: "notify idempotencyKey: 5", send: n({ idempotencyKey: 5 }), field: "idempotencyKey" },
    { name: "users users: {}", send: post("/v1/users", { users: {} }), field: "users" },
    { name: "tokens user: []", send: post("/v1/tokens", { user: [] }), field: "user" },
    {
      name: "tokens ttlSeconds: 'x'",
      send: post("/v1/tokens", { user: "alice", ttlSeconds: "x" }),
      field: "ttlSeconds"
    },
    {
      name: "event type title: []",
      send: () =>
        request(server.url, "PUT", "/v1/event-types/like", { token: app.secret, body: { title: [] } }),
      field: "title"
    },
    {
      name: "preferences inApp: 'off'",
      send: () =>
        request(server.url, "PUT", "/v1/me/preferences", {
          token: alice(),
          body: { types: { like: { inApp: "off" } } }
        }),
      field: "types"
    },
    {
      name: "mark seen: 'true'",
      send: () =>
        request(server.url, "PATCH", `/v1/me/notifications/${aliceId}`, {
          token: alice(),
          body: { seen: "true" }
        }),
      field: "seen"
    },
    {
      name: "batch ids: 'x'",
      send: () =>
        request(server.url, "PATCH", "/v1/me/notifications", {
          token: alice(),
          body: { ids: aliceId, read: true }
        }),
      field: "ids"
    },
    { name: "apps name: 7", send: post("/v1/apps", { name: 7 }, admin), field: "name" }
  ])
})

describe("U+0000 in a body's text → 400 naming the field, on both stores (PostgreSQL text cannot hold it)", () => {
  const n = (body: Record<string, unknown>) => post("/v1/notify", { users: ["alice"], content: "x", ...body })
  refuse(() => [
    { name: "notify title", send: n({ title: "a\u0000b" }), field: "title" },
    { name: "notify content (a string)", send: n({ content: "\u0000" }), field: "content" },
    {
      name: "notify content (deep in JSON)",
      send: n({ content: { a: [{ b: "x\u0000" }] } }),
      field: "content"
    },
    { name: "notify users: an id", send: n({ users: ["al\u0000ice"] }), field: "users" },
    {
      name: "notify users: a name",
      send: n({ users: [{ id: "nul-name", name: "\u0000" }] }),
      field: "users"
    },
    { name: "notify email subject", send: n({ email: { subject: "\u0000" } }), field: "email" },
    { name: "notify a field's name", send: n({ data: { "k\u0000": 1 } }), field: "data" },
    {
      name: "register users",
      send: post("/v1/users", { users: [{ id: "nul", email: "a\u0000@b.c" }] }),
      field: "users"
    },
    {
      name: "seed notify (form)",
      send: () =>
        request(server.url, "POST", "/notify", {
          rawBody: "users=%5B%22alice%22%5D&content=a%00b",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-auth-token": app.secret }
        }),
      field: "content"
    }
  ])
})

describe("missing required fields → 400 naming the field", () => {
  refuse(() => [
    {
      name: "notify without content",
      send: post("/v1/notify", { users: ["alice"], title: "t" }),
      field: "content"
    },
    { name: "notify with only users", send: post("/v1/notify", { users: ["newbie"] }), field: "content" },
    { name: "users without users", send: post("/v1/users", {}), field: "users" },
    { name: "tokens without user", send: post("/v1/tokens", { ttlSeconds: 60 }), field: "user" },
    {
      name: "event type without title",
      send: () => request(server.url, "PUT", "/v1/event-types/new_type", { token: app.secret, body: {} }),
      field: "title"
    }
  ])
})

describe("over-long ids → 400", () => {
  const long = "x".repeat(129)
  refuse(() => [
    {
      name: "notify users: [129 chars]",
      send: post("/v1/notify", { users: [long], content: "x" }),
      field: "users"
    },
    {
      name: "notify users: [{id: 129 chars}]",
      send: post("/v1/notify", { users: ["alice", { id: long, email: "l@example.com" }], content: "x" }),
      field: "users"
    },
    { name: "users: [129 chars]", send: post("/v1/users", { users: ["ok-user", long] }), field: "users" },
    { name: "tokens user: 129 chars", send: post("/v1/tokens", { user: long }), field: "user" },
    {
      name: "event type name: 65 chars",
      send: () =>
        request(server.url, "PUT", `/v1/event-types/${"t".repeat(65)}`, {
          token: app.secret,
          body: { title: "T" }
        }),
      status: 400,
      code: "bad_request"
    }
  ])
})

describe("unknown event type → 400 naming `type`", () => {
  refuse(() => [
    {
      name: "notify type not declared",
      send: post("/v1/notify", { users: ["alice"], type: "nope", content: "x" }),
      field: "type"
    },
    {
      name: "notify broadcast with a type not declared",
      send: post("/v1/notify", { type: "nope", content: "x" }),
      field: "type"
    },
    {
      name: "notify a new user with a type not declared registers nobody",
      send: post("/v1/notify", {
        users: [{ id: "newcomer", email: "n@example.com" }],
        type: "nope",
        content: "x"
      }),
      field: "type"
    }
  ])
})

describe("non-object bodies → 400", () => {
  const bodies: Array<[string, string]> = [
    ["an array", "[]"],
    ["a string", '"hello"'],
    ["null", "null"],
    ["a number", "42"],
    ["true", "true"]
  ]
  refuse(() =>
    bodies.flatMap(([what, text]) => [
      { name: `POST /v1/notify with ${what}`, send: raw("POST", "/v1/notify", text, secret) },
      { name: `POST /v1/users with ${what}`, send: raw("POST", "/v1/users", text, secret) },
      { name: `POST /v1/tokens with ${what}`, send: raw("POST", "/v1/tokens", text, secret) },
      { name: `PUT /v1/event-types/x with ${what}`, send: raw("PUT", "/v1/event-types/x", text, secret) },
      {
        name: `PATCH /v1/me/notifications with ${what}`,
        send: raw("PATCH", "/v1/me/notifications", text, alice)
      },
      { name: `PUT /v1/me/preferences with ${what}`, send: raw("PUT", "/v1/me/preferences", text, alice) },
      { name: `POST /v1/apps with ${what}`, send: raw("POST", "/v1/apps", text, admin) }
    ])
  )
})

describe("over-size bodies → 413 payload_too_large (requestBodyBytes: 1024)", () => {
  const s = () => small
  const sa = () => smallApp.secret
  const big = "y".repeat(2000)
  refuse(
    () => [
      {
        name: "POST /v1/notify of 2 KB",
        send: post("/v1/notify", { users: ["alice"], content: big }, sa, s),
        status: 413,
        code: "payload_too_large"
      },
      {
        name: "POST /v1/notify of 2 KB naming new users",
        send: post("/v1/notify", { users: ["n1", "n2", { id: "n3", name: big }], content: "x" }, sa, s),
        status: 413,
        code: "payload_too_large"
      },
      {
        name: "POST /v1/users of 2 KB",
        send: post("/v1/users", { users: Array.from({ length: 200 }, (_, i) => `user-${i}`) }, sa, s),
        status: 413,
        code: "payload_too_large"
      },
      {
        name: "PUT /v1/me/preferences of 2 KB",
        send: () =>
          request(small.url, "PUT", "/v1/me/preferences", {
            token: localToken(smallApp, "alice"),
            body: { types: { like: { inApp: false } }, pad: big }
          }),
        status: 413,
        code: "payload_too_large"
      },
      {
        name: "POST /v1/notify of 2 KB sent chunked (no content-length)",
        send: async () => {
          const bytes = new TextEncoder().encode(JSON.stringify({ users: ["alice"], content: big }))
          const stream = new ReadableStream<Uint8Array>({
            start(controller) {
              for (let i = 0; i < bytes.length; i += 256) controller.enqueue(bytes.slice(i, i + 256))
              controller.close()
            }
          })
          const res = await fetch(`${small.url}/v1/notify`, {
            method: "POST",
            headers: { authorization: `Bearer ${smallApp.secret}`, "content-type": "application/json" },
            body: stream,
            duplex: "half"
          } as RequestInit)
          const text = await res.text()
          let body: unknown = text
          try {
            body = JSON.parse(text)
          } catch {}
          return { status: res.status, headers: res.headers, body, text }
        },
        status: 413,
        code: "payload_too_large"
      }
    ],
    () => [small, smallApp]
  )

  it("a body under the limit is accepted (control)", async () => {
    const res = await request(small.url, "POST", "/v1/notify", {
      token: smallApp.secret,
      body: { users: ["alice"], content: "z".repeat(800) }
    })
    expect(res.status, res.text).toBe(202)
  })
})

describe("over-size bodies and notifications with the default limits", () => {
  refuse(() => [
    {
      name: "POST /v1/notify of 300 KiB → 413",
      send: post("/v1/notify", { users: ["alice"], content: "w".repeat(300 * 1024) }),
      status: 413,
      code: "payload_too_large"
    },
    {
      name: "POST /v1/users of 300 KiB → 413",
      send: post("/v1/users", { users: Array.from({ length: 20_000 }, (_, i) => `u${i}-${"p".repeat(8)}`) }),
      status: 413,
      code: "payload_too_large"
    },
    {
      name: "a notification of 70 KiB content (body under 256 KiB) → 413",
      send: post("/v1/notify", { users: ["alice", "bob"], content: "v".repeat(70 * 1024) }),
      status: 413,
      code: "payload_too_large"
    },
    {
      name: "a notification whose content and data together exceed 64 KiB → 413",
      send: post("/v1/notify", {
        users: ["alice"],
        content: "c".repeat(40 * 1024),
        data: { blob: "d".repeat(30 * 1024) }
      }),
      status: 413,
      code: "payload_too_large"
    },
    {
      name: "an over-size notification to a new user registers nobody → 413",
      send: post("/v1/notify", {
        users: [{ id: "big-newbie", email: "b@example.com" }],
        content: "v".repeat(70 * 1024)
      }),
      status: 413,
      code: "payload_too_large"
    }
  ])

  it("a notification of 50 KiB is accepted (control)", async () => {
    const res = await request(server.url, "POST", "/v1/notify", {
      token: other.secret,
      body: { users: ["carol"], content: "k".repeat(50 * 1024) }
    })
    expect(res.status, res.text).toBe(202)
  })
})

describe("bad query parameters → 400 naming the field", () => {
  const get = (path: string, token: () => string) => () =>
    request(server.url, "GET", path, { token: token() })
  refuse(() => [
    { name: "me list limit=0", send: get("/v1/me/notifications?limit=0", alice), field: "limit" },
    { name: "me list limit=abc", send: get("/v1/me/notifications?limit=abc", alice), field: "limit" },
    { name: "me list offset=-1", send: get("/v1/me/notifications?offset=-1", alice), field: "offset" },
    { name: "me list status=bogus", send: get("/v1/me/notifications?status=bogus", alice), field: "status" },
    {
      name: "me list since=notadate",
      send: get("/v1/me/notifications?since=notadate", alice),
      field: "since"
    },
    {
      name: "me list before=notadate",
      send: get("/v1/me/notifications?before=notadate", alice),
      field: "before"
    },
    { name: "users limit=0", send: get("/v1/users?limit=0", secret), field: "limit" },
    { name: "users offset=-1", send: get("/v1/users?offset=-1", secret), field: "offset" },
    {
      name: "backend list status=bogus",
      send: get("/v1/users/alice/notifications?status=bogus", secret),
      field: "status"
    },
    {
      name: "backend list limit=abc",
      send: get("/v1/users/alice/notifications?limit=abc", secret),
      field: "limit"
    }
  ])
})

describe("a path id that names nothing visible → 404", () => {
  const call = (method: string, path: string, token: () => string, body?: unknown) => () =>
    request(server.url, method, path, { token: token(), ...(body === undefined ? {} : { body }) })
  const long = "q".repeat(200)
  const nf = { status: 404, code: "not_found" }
  refuse(() => [
    { name: "GET another app's user", send: call("GET", "/v1/users/carol", secret), ...nf },
    { name: "DELETE another app's user", send: call("DELETE", "/v1/users/carol", secret), ...nf },
    {
      name: "another app's user's notifications",
      send: call("GET", "/v1/users/carol/notifications", secret),
      ...nf
    },
    { name: "GET a 200-char user id", send: call("GET", `/v1/users/${long}`, secret), ...nf },
    { name: "DELETE a 200-char user id", send: call("DELETE", `/v1/users/${long}`, secret), ...nf },
    {
      name: "a 200-char user id's notifications",
      send: call("GET", `/v1/users/${long}/notifications`, secret),
      ...nf
    },
    { name: "GET /v1/users/%00", send: call("GET", "/v1/users/%00", secret), ...nf },
    { name: "DELETE /v1/users/%00", send: call("DELETE", "/v1/users/%00", secret), ...nf },
    { name: "GET /v1/users/%ZZ", send: call("GET", "/v1/users/%ZZ", secret), ...nf },
    {
      name: "GET /v1/users/%00/notifications",
      send: call("GET", "/v1/users/%00/notifications", secret),
      ...nf
    },
    { name: "GET /v1/me/notifications/%00", send: call("GET", "/v1/me/notifications/%00", alice), ...nf },
    { name: "GET /v1/me/notifications/%ZZ", send: call("GET", "/v1/me/notifications/%ZZ", alice), ...nf },
    {
      name: "GET a 200-char notification id",
      send: call("GET", `/v1/me/notifications/${long}`, alice),
      ...nf
    },
    {
      name: "PATCH a 200-char notification id",
      send: call("PATCH", `/v1/me/notifications/${long}`, alice, { read: true }),
      ...nf
    },
    {
      name: "PATCH /v1/me/notifications/%00",
      send: call("PATCH", "/v1/me/notifications/%00", alice, { read: true }),
      ...nf
    },
    {
      name: "DELETE /v1/me/notifications/%00",
      send: call("DELETE", "/v1/me/notifications/%00", alice),
      ...nf
    },
    {
      name: "DELETE a 200-char notification id",
      send: call("DELETE", `/v1/me/notifications/${long}`, alice),
      ...nf
    },
    { name: "DELETE /v1/event-types/%00", send: call("DELETE", "/v1/event-types/%00", secret), ...nf },
    { name: "DELETE a 200-char event type", send: call("DELETE", `/v1/event-types/${long}`, secret), ...nf },
    { name: "DELETE /v1/apps/%00", send: call("DELETE", "/v1/apps/%00", admin), ...nf },
    { name: "DELETE a 200-char app id", send: call("DELETE", `/v1/apps/app_${long}`, admin), ...nf },
    { name: "POST /v1/apps/%00/secret", send: call("POST", "/v1/apps/%00/secret", admin), ...nf },
    { name: "POST /v1/apps/%ZZ/secret", send: call("POST", "/v1/apps/%ZZ/secret", admin), ...nf }
  ])
})

describe("deeply nested JSON (10,000 levels, ~20 KB) → 4xx, never 500", () => {
  const depth = 10_000
  const nested = "[".repeat(depth) + "]".repeat(depth)
  const nestedObject = '{"a":'.repeat(depth) + "1" + "}".repeat(depth)
  // where a nested value is the wrong type, the answer must be a 400 naming the field
  refuse(() => [
    {
      name: "notify users: nested arrays",
      send: raw("POST", "/v1/notify", `{"users":${nested},"content":"x"}`, secret),
      field: "users"
    },
    {
      name: "POST /v1/users users: nested arrays",
      send: raw("POST", "/v1/users", `{"users":${nested}}`, secret),
      field: "users"
    },
    {
      name: "preferences types: nested arrays",
      send: raw("PUT", "/v1/me/preferences", `{"types":${nested}}`, alice),
      field: "types"
    },
    {
      name: "batch ids: nested arrays",
      send: raw("PATCH", "/v1/me/notifications", `{"ids":${nested},"read":true}`, alice),
      field: "ids"
    },
    {
      name: "event type title: nested arrays",
      send: raw("PUT", "/v1/event-types/x", `{"title":${nested}}`, secret),
      field: "title"
    }
  ])

  // content and data may be any JSON: either stored (2xx) or refused (400/413), never a 500
  for (const [what, body] of [
    ["content: nested arrays", `{"users":["carol"],"content":${nested}}`],
    ["data: nested objects", `{"users":["carol"],"content":"x","data":${nestedObject}}`]
  ] as const) {
    it(`notify ${what}`, async () => {
      const before = await snapshot(server, other, "carol")
      const res = await request(server.url, "POST", "/v1/notify", { token: other.secret, rawBody: body })
      expect(res.status, `must never be a 5xx: ${res.text}`).toBeLessThan(500)
      if (res.status >= 400) {
        expectErrorShape(res)
        expect([400, 413]).toContain(res.status)
        expect(await snapshot(server, other, "carol")).toEqual(before)
      }
      await expectAlive(server.url)
    })
  }
})

describe("robustness", () => {
  it("a flood of bad requests leaves the server serving and the data intact", async () => {
    const before = await snapshot(server, app)
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        request(server.url, "POST", "/v1/notify", { token: app.secret, rawBody: i % 2 ? "{" : "[]" })
      )
    )
    for (const res of answers) expectError(res, 400, "bad_request")
    expect(await snapshot(server, app)).toEqual(before)
    await expectAlive(server.url)
  })
})
