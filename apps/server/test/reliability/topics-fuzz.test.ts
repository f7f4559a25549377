/**
 * Fuzz of the topic endpoints and of notify's `topics`/`exclude` (PROTOCOL.md §11, issue 23):
 * generated keys (valid, too long, odd characters, encoded slashes), bodies — valid, mutated,
 * hostile: any JSON for each field, unknown fields — for PUT, subscribe, unsubscribe, the
 * lists, a user's own follow and leave, topic mutes in preferences, and notify calls naming
 * topics that exist or not. Against one real server: never a 5xx; every 4xx has the error body;
 * a refused request changes nothing (the app's topics with their subscribers, the user's topics
 * and inbox).
 */
import { request, type TestApp, useServer } from "@pushback/testkit"
import { FastCheck as fc } from "effect"
import { beforeAll, expect, it } from "vitest"
import { expectErrorShape } from "../http/helpers.js"
import { report, scaled, tally } from "./support.js"

const RUNS = scaled(300, 20_000)

const server = useServer()
let app: TestApp
let token: string

beforeAll(async () => {
  app = await server.newApp("topics-fuzz")
  token = await server.userToken(app, "fuzzed")
  for (const key of ["open", "closed"]) {
    const put = await request(server.url, "PUT", `/v1/topics/${key}`, {
      token: app.secret,
      body: { selfSubscribe: key === "open" }
    })
    expect(put.status).toBe(201)
  }
})

const json = fc.jsonValue({ maxDepth: 2 })
const keyArb = fc.oneof(
  fc.constantFrom(
    "open",
    "closed",
    "ghost",
    "a:b.c-d_e",
    "has space",
    "slash%2Fx",
    "%00",
    "%F0",
    "é",
    "..",
    ""
  ),
  fc.string({ minLength: 1, maxLength: 140 }).map(encodeURIComponent),
  fc.constant("k".repeat(129))
)
const usersArb = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom("fuzzed", "u1", "u2"), fc.string({ maxLength: 130 })), { maxLength: 4 }),
  fc.array(
    fc.record({ id: fc.oneof(fc.string({ maxLength: 10 }), json), email: json }, { requiredKeys: [] }),
    {
      maxLength: 3
    }
  ),
  json
)
/** A body: each known field left out, valid or anything; sometimes an unknown one. */
const bodyArb = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 210 }), fc.constant(null), json),
    selfSubscribe: fc.oneof(fc.boolean(), json),
    users: usersArb,
    topics: fc.oneof(
      fc.array(fc.constantFrom("open", "closed", "ghost", "bad key"), { maxLength: 22 }),
      json
    ),
    exclude: fc.oneof(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), json),
    content: fc.oneof(fc.constant("hello"), json),
    [fc.sample(fc.constantFrom("nmae", "topic", "user", "__proto__"), 1)[0]!]: json
  },
  { requiredKeys: [] }
)
const caseArb = fc.record({
  op: fc.constantFrom(
    "put",
    "get",
    "delete",
    "subscribe",
    "unsubscribe",
    "list",
    "subscribers",
    "follow",
    "leave",
    "mute",
    "notify"
  ),
  key: keyArb,
  body: fc.oneof(bodyArb, json),
  query: fc.constantFrom(
    "",
    "?limit=0",
    "?limit=2&offset=1",
    "?prefix=%25",
    "?limit=abc",
    "?offset=-1",
    "?prefix=o"
  )
})

/** A generated path key as the text it encodes (itself when it is not valid percent-encoding). */
const plain = (key: string): string => {
  try {
    return decodeURIComponent(key)
  } catch {
    return key
  }
}

/** The app's topics, the two fixed topics' subscribers, and the fuzzed user's preferences and counts. */
const state = async () => {
  const read = async (path: string, credential: string) =>
    (await request(server.url, "GET", path, { token: credential })).body
  return JSON.stringify([
    await read("/v1/topics?limit=100", app.secret),
    await read("/v1/topics/open/subscribers?limit=100", app.secret),
    await read("/v1/topics/closed/subscribers?limit=100", app.secret),
    await read("/v1/me/preferences", token),
    await read("/v1/me/counts", token)
  ])
}

it(`answers ${RUNS} generated topic requests: no 5xx, errors with the error body, refusals change nothing`, async () => {
  const outcomes = tally()
  let before = await state()
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const topic = `/v1/topics/${c.key}`
      const [method, path, credential]: [string, string, string] = {
        put: ["PUT", topic, app.secret],
        get: ["GET", topic, app.secret],
        delete: ["DELETE", topic, app.secret],
        subscribe: ["POST", `${topic}/subscribers`, app.secret],
        unsubscribe: ["DELETE", `${topic}/subscribers`, app.secret],
        list: ["GET", `/v1/topics${c.query}`, app.secret],
        subscribers: ["GET", `${topic}/subscribers${c.query}`, app.secret],
        follow: ["PUT", `/v1/me/topics/${c.key}`, token],
        leave: ["DELETE", `/v1/me/topics/${c.key}`, token],
        mute: ["PUT", "/v1/me/preferences", token],
        notify: ["POST", "/v1/notify", app.secret]
      }[c.op] as [string, string, string]
      const body =
        c.op === "mute" && typeof c.body === "object" && c.body !== null && !Array.isArray(c.body)
          ? {
              topics: {
                [plain(c.key) || "open"]: (c.body as Record<string, unknown>)["selfSubscribe"]
              }
            }
          : method === "GET" || (method === "DELETE" && c.op !== "unsubscribe")
            ? undefined
            : c.body
      const res = await request(server.url, method, path, {
        token: credential,
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
      } else if (method !== "GET") before = await state()
    }),
    { numRuns: RUNS, endOnFailure: true }
  )
  expect(server.output()).not.toMatch(/internal error/)
  report("topic endpoints fuzz", { runs: RUNS, ...outcomes.counts })
}, 180_000)
