/**
 * Fast-check arbitraries for every REST request of the contract (PROTOCOL.md §3, §4, §7–§9), valid,
 * mutated and hostile. Valid bodies and queries come from the protocol's own schemas
 * (`Arbitrary.make`), so they follow the contract as it changes; mutations swap or drop one
 * field for a hostile value; hostile input is wrong types, huge numbers, deep nesting,
 * duplicate keys, `__proto__`, lone surrogates, NUL, very long strings, invalid UTF-8, wrong
 * content types, bad Authorization forms, odd path segments, and chunked, slow or cut-short
 * bodies. Effect's bundled fast-check is used, as `Arbitrary.make` builds on it.
 */
import {
  BatchPatchRequest,
  CreateAppRequest,
  ListQuery,
  NotifyRequest,
  PatchNotificationRequest,
  PutEventTypeRequest,
  PutPreferencesRequest,
  RegisterUsersRequest,
  TokenRequest
} from "@pushback/protocol"
import { Arbitrary, FastCheck as fc, Schema } from "effect"
import { describe, type Framing, type WireRequest } from "./wire.js"

/** Credentials and ids the requests can use, known once the server is set up. */
export interface FuzzWorld {
  readonly admin: string
  /** The fuzzed app's secret, another app's, and a user token of each. */
  readonly secret: string
  readonly otherSecret: string
  readonly userToken: string
  readonly otherUserToken: string
  readonly expiredToken: string
  /** Ids that exist: the fuzzed app's users and notifications, the other app's, a victim app. */
  readonly users: ReadonlyArray<string>
  readonly notifications: ReadonlyArray<string>
  readonly victimApp: string
  readonly types: ReadonlyArray<string>
  /** The fuzzed app's id (the operator's reads of it) and ids of its notify calls. */
  readonly app: string
  readonly calls: ReadonlyArray<string>
}

type Who = "admin" | "secret" | "user" | "none"

const json = <A, I>(schema: Schema.Schema<A, I>): fc.Arbitrary<unknown> =>
  Arbitrary.make(schema).map((value) => Schema.encodeSync(schema)(value))

/** Values no field accepts, or that stress the parser. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, -0, 1e308, -1e308, 2 ** 53 + 1, 1.5, "", [], {}),
  fc.constantFrom("\u0000", "a\u0000b", "\ud800", "\udfff\ud800", "\u202e", "💥".repeat(100)),
  fc.string({ maxLength: 30 }),
  fc.integer().map((n) => "x".repeat(Math.abs(n) % 70_000)),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.dictionary(fc.constantFrom("__proto__", "constructor", "prototype", "toString"), fc.anything(), {
    maxKeys: 3
  }),
  fc.anything({ maxDepth: 3 })
)

/** A body that is valid, with one field set to a hostile value or dropped, or an extra one. */
const mutated = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.tuple(valid, fc.nat(), hostileValue, fc.boolean()).map(([body, pick, value, drop]) => {
    if (typeof body !== "object" || body === null) return value
    const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) }
    const keys = [...Object.keys(copy), "__proto__", "extra"]
    const key = keys[pick % keys.length]!
    if (drop) delete copy[key]
    else Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true })
    return copy
  })

/** Body text that is not (good) JSON: truncated, duplicate keys, deep, huge, invalid UTF-8. */
const rawBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .constantFrom("{", '{"content":', "[1,2", "nul", "{'a':1}", '{"a":1} x', "\u0000", "", "1e999999")
    .map((s) => Buffer.from(s)),
  fc
    .tuple(fc.string(), hostileValue)
    .map(([k, v]) =>
      Buffer.from(`{"${k.replace(/"/g, "")}":1,"content":"a","content":${JSON.stringify(v) ?? 1}}`)
    ),
  fc.integer({ min: 60, max: 20_000 }).map((n) => Buffer.from(`${"[".repeat(n)}${"]".repeat(n)}`)),
  fc.integer({ min: 60, max: 5000 }).map((n) => Buffer.from(`${'{"a":'.repeat(n)}1${"}".repeat(n)}`)),
  fc.constantFrom(256 * 1024 + 1, 400_000).map((n) => Buffer.from(`{"content":"${"x".repeat(n)}"}`)),
  fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .map((b) =>
      Buffer.concat([Buffer.from('{"content":"'), Buffer.from([0xff, 0xfe, ...b]), Buffer.from('"}')])
    )
)

/** A body for an endpoint taking `valid`: mostly valid or nearly so, often hostile. */
const bodyFor = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> =>
  fc.oneof(
    { weight: 3, arbitrary: valid.map((v) => Buffer.from(JSON.stringify(v))) },
    { weight: 3, arbitrary: mutated(valid).map((v) => Buffer.from(JSON.stringify(v) ?? "null")) },
    { weight: 1, arbitrary: hostileValue.map((v) => Buffer.from(JSON.stringify(v) ?? "null")) },
    { weight: 2, arbitrary: rawBody }
  )

/** A path segment: an id that exists (given), or something odd. */
const segment = (known: ReadonlyArray<string>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constantFrom(
          "..",
          "%2e%2e",
          "%00",
          "%2F",
          "%ZZ",
          "__proto__",
          "constructor",
          "a%20b",
          "%F0%9F%92%A5",
          "%ED%A0%80"
        ),
        fc.integer({ min: 1, max: 3000 }).map((n) => "i".repeat(n)),
        fc.string({ maxLength: 20 }).map(encodeURIComponent)
      )
    }
  )

/** A query: valid for a list, or hostile. */
const listQuery: fc.Arbitrary<string> = fc.oneof(
  json(ListQuery).map((q) => new URLSearchParams(q as Record<string, string>).toString()),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          "limit",
          "offset",
          "status",
          "type",
          "since",
          "before",
          "cursor",
          "wait",
          "token",
          "from",
          "to",
          "interval",
          "readed",
          "q",
          "connectionId",
          "x"
        ),
        fc.oneof(
          fc.constantFrom("-1", "0", "1e9", "abc", "", "1.5", "99999999999999999999", "%00", "null"),
          fc.constantFrom(
            "minute",
            "hour",
            "day",
            "true",
            "false",
            "2026-12-01T00:00:00Z",
            "2026-12-01T00:00:00"
          ),
          fc.string({ maxLength: 10 })
        )
      ),
      { maxLength: 4 }
    )
    .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&"))
)

interface Endpoint {
  readonly method: string
  readonly path: (w: FuzzWorld) => fc.Arbitrary<string>
  readonly who: Who
  /** Valid bodies, or valid bodies made of the world's ids. */
  readonly body?: fc.Arbitrary<unknown> | ((w: FuzzWorld) => fc.Arbitrary<unknown>)
  readonly query?: boolean
}

const fixed = (p: string) => () => fc.constant(p)
const text = fc.string({ maxLength: 40 })

/** The seeds' bodies (PROTOCOL.md §9), which no protocol schema describes. */
const seedBodies = {
  socketIoPush: fc.record({
    message: fc.record(
      { title: text, body: text, params: fc.dictionary(text, text, { maxKeys: 3 }) },
      { requiredKeys: ["body"] }
    )
  }),
  webserviceNotify: (w: FuzzWorld) => {
    const users = fc.array(
      fc.record({
        id: fc.constantFrom(...w.users),
        email: fc.constantFrom("a@example.com", "not an address")
      }),
      { maxLength: 3 }
    )
    return fc.record(
      {
        users: fc.oneof(
          users,
          users.map((u) => JSON.stringify(u))
        ),
        title: text,
        content: text,
        email_send: fc.boolean(),
        email_force: fc.boolean(),
        email_subject: text,
        email_content: text,
        email_content_type: fc.constantFrom("text/plain", "text/html", "image/png")
      },
      { requiredKeys: ["users", "content"] }
    )
  },
  drnIds: (w: FuzzWorld) =>
    fc.array(fc.oneof(fc.constantFrom(...w.notifications), fc.nat()), { maxLength: 4 }),
  drnFilter: (w: FuzzWorld) =>
    fc.record({ types: fc.array(fc.constantFrom(...w.types, "other"), { maxLength: 3 }) })
}

/** `/v1/apps/{the fuzzed app}` + `rest` (the operator's reads of §8), or an odd app segment. */
const appPath = (rest: string) => (w: FuzzWorld) => segment([w.app]).map((a) => `/v1/apps/${a}${rest}`)

/** Every endpoint of §3 and the transports' GETs of §4. */
export const ENDPOINTS: ReadonlyArray<Endpoint> = [
  { method: "POST", path: fixed("/v1/apps"), who: "admin", body: json(CreateAppRequest) },
  { method: "GET", path: fixed("/v1/apps"), who: "admin" },
  // Only the victim app may be deleted or rotated: the fuzzed apps must keep their secrets.
  { method: "DELETE", path: (w) => segment([w.victimApp]).map((a) => `/v1/apps/${a}`), who: "admin" },
  { method: "POST", path: (w) => segment([w.victimApp]).map((a) => `/v1/apps/${a}/secret`), who: "admin" },
  { method: "POST", path: fixed("/v1/users"), who: "secret", body: json(RegisterUsersRequest) },
  { method: "GET", path: fixed("/v1/users"), who: "secret", query: true },
  { method: "GET", path: (w) => segment(w.users).map((u) => `/v1/users/${u}`), who: "secret" },
  { method: "DELETE", path: (w) => segment(w.users).map((u) => `/v1/users/${u}`), who: "secret" },
  { method: "POST", path: fixed("/v1/notify"), who: "secret", body: json(NotifyRequest) },
  { method: "POST", path: fixed("/v1/tokens"), who: "secret", body: json(TokenRequest) },
  {
    method: "PUT",
    path: (w) => segment(w.types).map((t) => `/v1/event-types/${t}`),
    who: "secret",
    body: json(PutEventTypeRequest)
  },
  { method: "GET", path: fixed("/v1/event-types"), who: "secret" },
  { method: "DELETE", path: (w) => segment(w.types).map((t) => `/v1/event-types/${t}`), who: "secret" },
  {
    method: "GET",
    path: (w) => segment(w.users).map((u) => `/v1/users/${u}/notifications`),
    who: "secret",
    query: true
  },
  { method: "GET", path: fixed("/v1/stats"), who: "secret" },
  { method: "GET", path: fixed("/v1/me/notifications"), who: "user", query: true },
  {
    method: "GET",
    path: (w) => segment(w.notifications).map((n) => `/v1/me/notifications/${n}`),
    who: "user"
  },
  {
    method: "PATCH",
    path: (w) => segment(w.notifications).map((n) => `/v1/me/notifications/${n}`),
    who: "user",
    body: json(PatchNotificationRequest)
  },
  { method: "PATCH", path: fixed("/v1/me/notifications"), who: "user", body: json(BatchPatchRequest) },
  {
    method: "DELETE",
    path: (w) => segment(w.notifications).map((n) => `/v1/me/notifications/${n}`),
    who: "user"
  },
  { method: "GET", path: fixed("/v1/me/counts"), who: "user" },
  { method: "GET", path: fixed("/v1/me/preferences"), who: "user" },
  { method: "PUT", path: fixed("/v1/me/preferences"), who: "user", body: json(PutPreferencesRequest) },
  { method: "GET", path: fixed("/v1/poll"), who: "user", query: true },
  { method: "GET", path: fixed("/v1/sse"), who: "user", query: true },
  { method: "GET", path: fixed("/v1/stats/series"), who: "secret", query: true },
  { method: "GET", path: (w) => segment(w.calls).map((c) => `/v1/notify/${c}`), who: "secret" },
  // The operator's reads of one app, and its test notification (§8).
  { method: "GET", path: appPath(""), who: "admin" },
  { method: "GET", path: appPath("/users"), who: "admin", query: true },
  { method: "GET", path: appPath("/calls"), who: "admin", query: true },
  {
    method: "GET",
    path: (w) => fc.tuple(segment([w.app]), segment(w.calls)).map(([a, c]) => `/v1/apps/${a}/calls/${c}`),
    who: "admin"
  },
  { method: "GET", path: appPath("/connections"), who: "admin" },
  { method: "GET", path: appPath("/stats"), who: "admin" },
  { method: "GET", path: appPath("/stats/series"), who: "admin", query: true },
  { method: "POST", path: appPath("/notify"), who: "admin", body: json(NotifyRequest) },
  { method: "GET", path: fixed("/v1/status/ping"), who: "none" },
  { method: "GET", path: fixed("/v1/status/info"), who: "none" },
  { method: "GET", path: fixed("/healthz"), who: "none" },
  { method: "GET", path: fixed("/readyz"), who: "none" },
  { method: "GET", path: fixed("/metrics"), who: "none" },
  { method: "GET", path: fixed("/dashboard/"), who: "none" },
  // The seeds' endpoints (§9): PushBack (Django), notification-socket.io, webservice-notification,
  // Django REST Notifications.
  { method: "POST", path: fixed("/api/v1/register/"), who: "secret", body: json(RegisterUsersRequest) },
  { method: "POST", path: fixed("/api/v1/notify/"), who: "secret", body: json(NotifyRequest) },
  { method: "GET", path: fixed("/pushback.js"), who: "none" },
  { method: "GET", path: fixed("/static/core/js/pusher.js"), who: "none" },
  {
    method: "PUT",
    path: (w) => segment(w.users).map((u) => `/api/${u}/register`),
    who: "secret",
    query: true
  },
  {
    method: "POST",
    path: (w) => segment(w.users).map((u) => `/api/${u}/push`),
    who: "secret",
    body: seedBodies.socketIoPush
  },
  { method: "GET", path: fixed("/api/status/ping"), who: "none" },
  { method: "GET", path: fixed("/api/status/info"), who: "none" },
  { method: "POST", path: fixed("/notify"), who: "secret", body: seedBodies.webserviceNotify },
  { method: "GET", path: fixed("/notifications"), who: "user", query: true },
  { method: "PATCH", path: fixed("/notifications"), who: "user", body: seedBodies.drnIds },
  { method: "GET", path: fixed("/notifications/filter"), who: "user" },
  { method: "PATCH", path: fixed("/notifications/filter"), who: "user", body: seedBodies.drnFilter },
  { method: "PATCH", path: (w) => segment(w.notifications).map((n) => `/notifications/${n}`), who: "user" },
  { method: "DELETE", path: (w) => segment(w.notifications).map((n) => `/notifications/${n}`), who: "user" }
]

/** The Authorization header: usually the right credential, else one of every wrong form. */
const authorization = (w: FuzzWorld, who: Who): fc.Arbitrary<string | undefined> => {
  const right = { admin: w.admin, secret: w.secret, user: w.userToken, none: undefined }[who]
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(right === undefined ? undefined : `Bearer ${right}`) },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc
          .constantFrom(w.admin, w.secret, w.otherSecret, w.userToken, w.otherUserToken, w.expiredToken)
          .map((c) => `Bearer ${c}`),
        fc.constantFrom(
          undefined,
          "",
          "Bearer",
          "Bearer ",
          "bearer  x",
          "Basic YTpi",
          `Token ${w.secret}`,
          `Bearer ${w.secret} extra`,
          w.secret
        ),
        fc.integer({ min: 1, max: 12_000 }).map((n) => `Bearer ${"t".repeat(n)}`)
      )
    }
  )
}

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      undefined,
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=latin1"
    )
  }
)

const framing: fc.Arbitrary<Framing> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Framing>("length") },
  { weight: 1, arbitrary: fc.constantFrom<Framing>("chunked", "slow", "truncated") }
)

/** One request to any endpoint, or a known path with a method it does not take. */
export const requestArb = (w: FuzzWorld): fc.Arbitrary<WireRequest> =>
  fc.constantFrom(...ENDPOINTS).chain((e) =>
    fc
      .record({
        method: fc.oneof(
          { weight: 12, arbitrary: fc.constant(e.method) },
          {
            weight: 1,
            arbitrary: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")
          }
        ),
        path: e.path(w),
        query:
          e.query === true
            ? listQuery
            : fc.oneof({ weight: 5, arbitrary: fc.constant("") }, { weight: 1, arbitrary: listQuery }),
        auth: authorization(w, e.who),
        type: contentType,
        body:
          e.body === undefined
            ? fc.option(rawBody, { freq: 8, nil: undefined })
            : bodyFor(typeof e.body === "function" ? e.body(w) : e.body),
        framing
      })
      .map((r): WireRequest => {
        const headers: Array<readonly [string, string]> = []
        if (r.auth !== undefined) headers.push(["authorization", r.auth])
        if (r.body !== undefined && r.type !== undefined) headers.push(["content-type", r.type])
        // A transport GET that would be held or stream stays short: wait=0.
        const query = /\/v1\/(poll|sse)$/.test(r.path) ? `wait=0&${r.query}` : r.query
        const req: WireRequest = {
          method: r.method,
          path: query === "" ? r.path : `${r.path}?${query}`,
          headers,
          body: r.body,
          framing: r.framing
        }
        return Object.assign(req, { [fc.toStringMethod]: () => describe(req) })
      })
  )
