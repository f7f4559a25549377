/**
 * Fuzz of the webhook endpoints API (PROTOCOL.md §15, issue 25): generated create and change
 * bodies — valid, mutated, hostile: any JSON for each field, unknown fields, private and public
 * targets, bad ids — with the app secret and on the admin paths, against one real server that
 * allows no private targets. Never a 5xx; every 4xx has the error body; a refused write changes no
 * endpoint. Only names under `.invalid` and IP literals are generated, no event ever fires here
 * and `…/test` is never called, so nothing is sent anywhere.
 */
import { request, type TestApp, useServer } from "@pushback/testkit"
import { FastCheck as fc } from "effect"
import { beforeAll, expect, it } from "vitest"
import { expectErrorShape } from "../http/helpers.js"
import { report, scaled, tally } from "./support.js"

const RUNS = scaled(300, 20_000)

const server = useServer()
let app: TestApp
let existing: string

beforeAll(async () => {
  app = await server.newApp("webhook-fuzz")
  const made = await request<{ id: string }>(server.url, "POST", "/v1/webhooks", {
    token: app.secret,
    body: { url: "https://hooks.invalid/x", events: ["message.created"] }
  })
  existing = made.body.id
})

const json = fc.jsonValue({ maxDepth: 2 })
const urlArb = fc.oneof(
  fc.constantFrom(
    "https://hooks.invalid/a",
    "http://hooks.invalid:8443/b?c=d",
    "http://127.0.0.1/x",
    "http://[::1]:80/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest",
    "ftp://hooks.invalid/",
    "https://",
    "javascript:alert(1)",
    `https://hooks.invalid/${"a".repeat(2100)}`
  ),
  fc.string({ maxLength: 40 }).map((s) => `https://${s}.invalid/`),
  json
)
const eventsArb = fc.oneof(
  fc.subarray(["notification.read", "user.online", "email.failed", "message.created", "*"]),
  fc.array(fc.oneof(fc.string({ maxLength: 30 }), json), { maxLength: 14 }),
  json
)
/** A body: each known field left out, valid or anything; sometimes an unknown field. */
const bodyArb = fc.record(
  {
    url: urlArb,
    events: eventsArb,
    description: fc.oneof(fc.string({ maxLength: 600 }), json),
    batch: fc.oneof(fc.boolean(), json),
    enabled: fc.oneof(fc.boolean(), json),
    [fc.sample(fc.constantFrom("evnts", "secret", "id", "__proto__"), 1)[0]!]: json
  },
  { requiredKeys: [] }
)
/** Bodies that are valid but for what the generator varies (so creations and changes happen too). */
const validUrl = fc.constantFrom("https://hooks.invalid/a", "https://hooks.invalid:8443/b")
const validEvents = fc.oneof(
  fc.subarray(["notification.read", "user.online", "email.failed"], { minLength: 1 }),
  fc.constant(["*"])
)
const createArb = fc.record(
  { url: validUrl, events: validEvents, description: fc.string({ maxLength: 50 }), batch: fc.boolean() },
  { requiredKeys: ["url", "events"] }
)
const patchArb = fc.record(
  { url: validUrl, events: validEvents, description: fc.string({ maxLength: 50 }), enabled: fc.boolean() },
  { requiredKeys: [] }
)
const caseArb = fc.record({
  admin: fc.boolean(),
  op: fc.constantFrom("create", "patch", "patch-unknown", "rotate", "delete-unknown", "get-odd"),
  body: fc.oneof(
    { weight: 4, arbitrary: bodyArb },
    { weight: 3, arbitrary: fc.oneof(createArb, patchArb) },
    { weight: 1, arbitrary: json }
  ),
  id: fc.oneof(fc.constant("wh_nope"), fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent))
})

const endpoints = async () =>
  (await request<{ webhooks: unknown }>(server.url, "GET", "/v1/webhooks", { token: app.secret })).body

it(`answers ${RUNS} generated endpoint requests: no 5xx, errors with the error body, refusals change nothing`, async () => {
  const outcomes = tally()
  let before = JSON.stringify(await endpoints())
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const base = c.admin ? `/v1/apps/${app.id}/webhooks` : "/v1/webhooks"
      const token = c.admin ? server.adminToken : app.secret
      const [method, path, body] =
        c.op === "create"
          ? ["POST", base, c.body]
          : c.op === "patch"
            ? ["PATCH", `${base}/${existing}`, c.body]
            : c.op === "patch-unknown"
              ? ["PATCH", `${base}/${c.id}`, c.body]
              : c.op === "rotate"
                ? ["POST", `${base}/${c.admin ? existing : c.id}/secret`, undefined]
                : c.op === "delete-unknown"
                  ? ["DELETE", `${base}/${c.id}x`, undefined]
                  : ["GET", `${base}/${c.id}/attempts?limit=${c.id}`, undefined]
      const res = await request(server.url, method, path, { token, ...(body === undefined ? {} : { body }) })
      outcomes.add(String(res.status))
      expect(
        res.status,
        `${method} ${path} ${JSON.stringify(body)?.slice(0, 300)}: ${res.text}`
      ).toBeLessThan(500)
      if (res.status >= 400) {
        expectErrorShape({ status: res.status, headers: res.headers, text: res.text, body: res.body })
        if (method !== "GET") expect(JSON.stringify(await endpoints()), `${method} ${path}`).toBe(before)
      } else before = JSON.stringify(await endpoints())
    }),
    { numRuns: RUNS, endOnFailure: true }
  )
  expect(server.output()).not.toMatch(/internal error/)
  report("webhook endpoints fuzz", { runs: RUNS, ...outcomes.counts })
}, 120_000)
