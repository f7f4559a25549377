/**
 * Fuzz of the Web Push endpoints (PROTOCOL.md §14, issue 24): generated subscription bodies —
 * valid, mutated, hostile: any JSON for each field, unknown fields, endpoints on push services,
 * private and loopback addresses, other schemes and hosts, keys of the wrong length — with user
 * tokens, the read mark with forged and malformed `markToken`s, and odd ids on the delete and the
 * backend's list, against one real server with the default endpoint rules. Never a 5xx; every
 * 4xx has the error body; a refused write changes no subscription and marks nothing read. The
 * server has no VAPID subject, so nothing is ever pushed anywhere.
 */
import { createECDH, randomBytes } from "node:crypto"
import { request, type TestApp, useServer } from "@pushback/testkit"
import { FastCheck as fc } from "effect"
import { beforeAll, expect, it } from "vitest"
import { makeMarkToken } from "../../src/push/markToken.js"
import { expectErrorShape } from "../http/helpers.js"
import { report, scaled, tally } from "./support.js"

const RUNS = scaled(300, 20_000)

const server = useServer()
let app: TestApp
let token: string
let notification: string

beforeAll(async () => {
  app = await server.newApp("push-fuzz")
  token = await server.userToken(app, "fuzzed")
  const sent = await request<{ id: string }>(server.url, "POST", "/v1/notify", {
    token: app.secret,
    body: { users: ["fuzzed"], content: "x" }
  })
  expect(sent.status).toBe(202)
  const list = await request<{ results: Array<{ id: string }> }>(server.url, "GET", "/v1/me/notifications", {
    token
  })
  notification = list.body.results[0]!.id
})

const json = fc.jsonValue({ maxDepth: 2 })
const b64 = (bytes: number) => fc.constant(null).map(() => randomBytes(bytes).toString("base64url"))
const endpointArb = fc.oneof(
  fc.constantFrom(
    "https://fcm.googleapis.com/fcm/send/abc",
    "https://updates.push.services.mozilla.com/wpush/v2/x",
    "https://web.push.apple.com/QGx",
    "http://fcm.googleapis.com/x",
    "https://127.0.0.1/push",
    "https://[::1]/push",
    "https://169.254.169.254/latest",
    "https://10.0.0.1/",
    "https://localhost/x",
    "https://googleapis.com.evil.invalid/x",
    "https://user:pw@fcm.googleapis.com/x",
    "javascript:alert(1)",
    "https://",
    `https://fcm.googleapis.com/${"a".repeat(2100)}`
  ),
  fc.string({ maxLength: 40 }).map((s) => `https://${s}.googleapis.com/x`),
  json
)
const keysArb = fc.oneof(
  fc.record({ p256dh: b64(65), auth: b64(16) }),
  fc.record(
    {
      p256dh: fc.oneof(b64(64), b64(66), fc.string({ maxLength: 90 }), json),
      auth: fc.oneof(b64(15), b64(16), json)
    },
    { requiredKeys: [] }
  ),
  json
)
/** A body: each known field left out, valid or anything; sometimes an unknown one. */
const bodyArb = fc.record(
  {
    endpoint: endpointArb,
    keys: keysArb,
    expirationTime: fc.oneof(fc.constant(null), fc.nat(), json),
    userAgent: fc.oneof(fc.string({ maxLength: 600 }), json),
    [fc.sample(fc.constantFrom("endpont", "user", "id", "__proto__"), 1)[0]!]: json
  },
  { requiredKeys: [] }
)
/** A browser's public key: a point on P-256 (65 random bytes are not one, and are refused). */
const browserKey = fc.constant(null).map(() => {
  const ecdh = createECDH("prime256v1")
  ecdh.generateKeys()
  return ecdh.getPublicKey().toString("base64url")
})
/** Bodies that are valid (so subscriptions are made, moved and trimmed too). */
const validArb = fc.record(
  {
    endpoint: fc.nat(30).map((n) => `https://fcm.googleapis.com/fcm/send/fuzz-${n}`),
    keys: fc.record({ p256dh: browserKey, auth: b64(16) }),
    userAgent: fc.string({ maxLength: 60 })
  },
  { requiredKeys: ["endpoint", "keys"] }
)
const markTokenArb = fc.oneof(
  fc.constant(null).map(() => makeMarkToken(app.secret, app.id, notification)),
  fc.string({ maxLength: 80 }),
  fc.constant(null).map(() => `${notification}~${app.id}~${randomBytes(32).toString("base64url")}`),
  fc.string({ maxLength: 20 }).map((s) => `${s}~${app.id}~${s}`),
  json
)
const caseArb = fc.record({
  op: fc.constantFrom("subscribe", "subscribe", "read", "delete", "list"),
  body: fc.oneof({ weight: 3, arbitrary: bodyArb }, { weight: 2, arbitrary: validArb }),
  markToken: markTokenArb,
  id: fc.oneof(fc.constant("psub_nope"), fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent))
})

const state = async () => {
  const subs = await request(server.url, "GET", "/v1/me/push-subscriptions", { token })
  const counts = await request(server.url, "GET", "/v1/me/counts", { token })
  return JSON.stringify([subs.body, counts.body])
}

it(`answers ${RUNS} generated push requests: no 5xx, errors with the error body, refusals change nothing`, async () => {
  const outcomes = tally()
  let before = await state()
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const [method, path, body, credential] =
        c.op === "subscribe"
          ? ["POST", "/v1/me/push-subscriptions", c.body, token]
          : c.op === "read"
            ? ["POST", "/v1/push/read", { markToken: c.markToken }, undefined]
            : c.op === "delete"
              ? ["DELETE", `/v1/me/push-subscriptions/${c.id}x`, undefined, token]
              : ["GET", `/v1/users/${c.id}/push-subscriptions`, undefined, app.secret]
      const res = await request(server.url, method, path, {
        ...(credential === undefined ? {} : { token: credential }),
        ...(body === undefined ? {} : { body })
      })
      outcomes.add(`${c.op} ${res.status}`)
      expect(
        res.status,
        `${method} ${path} ${JSON.stringify(body)?.slice(0, 300)}: ${res.text}`
      ).toBeLessThan(500)
      if (res.status >= 400) {
        expectErrorShape({ status: res.status, headers: res.headers, text: res.text, body: res.body })
        if (method !== "GET") expect(await state(), `${method} ${path}`).toBe(before)
      } else before = await state()
    }),
    { numRuns: RUNS, endOnFailure: true }
  )
  expect(server.output()).not.toMatch(/internal error/)
  report("push endpoints fuzz", { runs: RUNS, ...outcomes.counts })
}, 120_000)
