/**
 * Unknown-field fuzz (PROTOCOL.md §16, issue 26): a valid body of every v1 endpoint that decodes
 * one, generated from its protocol schema, with one field added that the endpoint does not take
 * (a typo of a known name: a letter dropped, doubled or changed in case, two swapped; or any
 * other name), at the top or inside `email`, `push` or a user object. Every such request is 400
 * `bad_request` naming exactly that field, and changes nothing. The seed-compatible endpoints
 * (§9) given the same extra field never refuse it.
 */
import {
  BatchPatchRequest,
  CreateAppRequest,
  CreateWebhookRequest,
  EmailOptions,
  NotifyRequest,
  PatchNotificationRequest,
  PushOptions,
  PushSubscriptionRequest,
  PutEventTypeRequest,
  PutPreferencesRequest,
  RegisterUsersRequest,
  TokenRequest
} from "@pushback/protocol"
import { localToken, request, type TestApp, useServer } from "@pushback/testkit"
import { Arbitrary, FastCheck as fc, Schema } from "effect"
import { beforeAll, expect, it } from "vitest"
import { stateOf } from "./state.js"
import { report, scaled, tally } from "./support.js"

const RUNS = scaled(300, 20_000)

const server = useServer()
let app: TestApp
let other: TestApp
let notification: string

beforeAll(async () => {
  ;[app, other] = await Promise.all([server.newApp("typos"), server.newApp("typos-other")])
  await server.registerUsers(app, [{ id: "alice", email: "alice@example.com" }])
  await server.registerUsers(other, ["carol"])
  await server.notify(app, { users: ["alice"], content: "one" })
  const list = await request<{ results: Array<{ id: string }> }>(server.url, "GET", "/v1/me/notifications", {
    token: localToken(app, "alice")
  })
  notification = list.body.results[0]!.id
})

type Who = "admin" | "secret" | "user"

interface Endpoint {
  readonly method: string
  readonly path: () => string
  readonly who: Who
  readonly schema: Schema.Schema.AnyNoContext
  /** Valid bodies, when the schema's own arbitrary cannot make them quickly. */
  readonly valid?: fc.Arbitrary<Record<string, unknown>>
}

const bytes = (n: number, first?: number) =>
  fc
    .uint8Array({ minLength: n, maxLength: n })
    .map((b) => Buffer.from(first === undefined ? b : [first, ...b.subarray(1)]).toString("base64url"))

/** A browser's subscription (its keys' byte counts are all the schema checks). */
const subscription = fc.record(
  {
    endpoint: fc.webPath().map((p) => `https://push.example.com/send${p}`),
    keys: fc.record({ p256dh: bytes(65, 4), auth: bytes(16) }),
    expirationTime: fc.constantFrom(null, 0, 1_900_000_000_000),
    userAgent: fc.string({ maxLength: 40 })
  },
  { requiredKeys: ["endpoint", "keys"] }
)

/** Every v1 endpoint that decodes a JSON body, with ids that exist. */
const V1: ReadonlyArray<Endpoint> = [
  { method: "POST", path: () => "/v1/apps", who: "admin", schema: CreateAppRequest },
  { method: "POST", path: () => "/v1/users", who: "secret", schema: RegisterUsersRequest },
  { method: "POST", path: () => "/v1/notify", who: "secret", schema: NotifyRequest },
  { method: "POST", path: () => `/v1/apps/${app.id}/notify`, who: "admin", schema: NotifyRequest },
  { method: "POST", path: () => "/v1/tokens", who: "secret", schema: TokenRequest },
  { method: "PUT", path: () => "/v1/event-types/like", who: "secret", schema: PutEventTypeRequest },
  {
    method: "PATCH",
    path: () => `/v1/me/notifications/${notification}`,
    who: "user",
    schema: PatchNotificationRequest
  },
  { method: "PATCH", path: () => "/v1/me/notifications", who: "user", schema: BatchPatchRequest },
  { method: "PUT", path: () => "/v1/me/preferences", who: "user", schema: PutPreferencesRequest },
  { method: "POST", path: () => "/v1/webhooks", who: "secret", schema: CreateWebhookRequest },
  {
    method: "POST",
    path: () => "/v1/me/push-subscriptions",
    who: "user",
    schema: PushSubscriptionRequest,
    valid: subscription
  }
]

const tokenOf = (who: Who) =>
  who === "admin" ? server.adminToken : who === "secret" ? app.secret : localToken(app, "alice")

const valid = <A, I>(schema: Schema.Schema<A, I>): fc.Arbitrary<Record<string, unknown>> =>
  Arbitrary.make(schema).map((value) => Schema.encodeSync(schema)(value) as Record<string, unknown>)

/** A name `known` does not hold: one of its names with a typo, or any other name. */
const unknownName = (known: ReadonlyArray<string>): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc
        .tuple(fc.constantFrom(...(known.length > 0 ? known : ["x"])), fc.nat(), fc.nat(3))
        .map(([name, at, how]) => {
          const i = at % name.length
          if (how === 0) return name.slice(0, i) + name.slice(i + 1)
          if (how === 1) return name.slice(0, i) + name[i] + name.slice(i)
          if (how === 2) return name.slice(0, i) + name.slice(i, i + 1).toUpperCase() + name.slice(i + 1)
          return i + 1 < name.length
            ? name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2)
            : `${name}s`
        }),
      fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/)
    )
    .filter((name) => name !== "" && !known.includes(name) && name !== "__proto__")

/** The names an object of `value`'s place takes: the keys of its schema's struct. */
const keysOf = (schema: Schema.Schema.AnyNoContext): ReadonlyArray<string> =>
  "fields" in schema ? Object.keys((schema as unknown as { fields: object }).fields) : []

const NESTED: Record<string, ReadonlyArray<string>> = {
  email: keysOf(EmailOptions),
  push: keysOf(PushOptions),
  user: ["id", "email", "name"]
}

/** A valid body of `e` with one unknown field added, and that field's dotted path. */
const typoBody = (e: Endpoint) =>
  fc.tuple(e.valid ?? valid(e.schema), fc.nat()).chain(([body, pick]) => {
    // the objects of the body a field can be added to: the body, its email/push block, a user
    const places: Array<{ path: string; target: Record<string, unknown>; known: ReadonlyArray<string> }> = [
      { path: "", target: body, known: keysOf(e.schema) }
    ]
    for (const block of ["email", "push"] as const) {
      const value = body[block]
      if (e.schema === NotifyRequest && typeof value === "object" && value !== null)
        places.push({ path: block, target: value as Record<string, unknown>, known: NESTED[block]! })
    }
    const users = body["users"]
    if (Array.isArray(users)) {
      users.forEach((u, i) => {
        if (typeof u === "object" && u !== null)
          places.push({ path: `users.${i}`, target: u as Record<string, unknown>, known: NESTED["user"]! })
      })
    }
    const place = places[pick % places.length]!
    return fc.tuple(unknownName(place.known), fc.jsonValue({ maxDepth: 2 })).map(([name, value]) => {
      place.target[name] = value
      return { body, field: place.path === "" ? name : `${place.path}.${name}` }
    })
  })

it(`refuses ${RUNS} v1 bodies with one unknown field: 400 naming it, nothing changed`, async () => {
  const outcomes = tally()
  let baseline = await stateOf(server, app, other)
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...V1).chain((e) => typoBody(e).map((t) => ({ e, ...t }))),
      async ({ e, body, field }) => {
        const res = await request(server.url, e.method, e.path(), { token: tokenOf(e.who), body })
        const error = (
          res.body as { error?: { code: string; message: string; details?: { field?: string } } }
        ).error
        const said = `${e.method} ${e.path()} ${JSON.stringify(body).slice(0, 400)} → ${res.status} ${res.text}`
        expect(res.status, said).toBe(400)
        expect(error?.code, said).toBe("bad_request")
        expect(error?.details?.field, said).toBe(field)
        expect(error?.message.startsWith(`unknown field ${field}; `), said).toBe(true)
        outcomes.add(`${e.method} ${e.path().replace(/\/[a-z]+_[^/]+/g, "/:id")}`)
        const after = await stateOf(server, app, other)
        expect(after, said).toEqual(baseline)
        baseline = after
      }
    ),
    { numRuns: RUNS, endOnFailure: true }
  )
  report("unknown fields: refused, nothing changed", { runs: RUNS, ...outcomes.counts })
}, 120_000)

it("the seed-compatible endpoints (§9) take the same extra fields", async () => {
  const outcomes = tally()
  await fc.assert(
    fc.asyncProperty(typoBody(V1[2]!), async ({ body, field }) => {
      const top = field.split(".")[0]!
      const res = await request(server.url, "POST", "/api/v1/notify/", { token: app.secret, body })
      const error = (res.body as { error?: { details?: { field?: string } } }).error
      const said = `${JSON.stringify(body).slice(0, 400)} → ${res.status} ${res.text}`
      expect(error?.details?.field === field || error?.details?.field === top, said).toBe(false)
      expect(res.status, said).toBeLessThan(500)
      outcomes.add(String(res.status))
    }),
    { numRuns: scaled(100, 5_000), endOnFailure: true }
  )
  report("unknown fields: seeds' endpoints accept them", outcomes.counts)
}, 60_000)
