/**
 * Fuzz of the conversation endpoints and the WebSocket `typing` frame (PROTOCOL.md §13, issue 27):
 * generated ids (valid, too long, odd characters, encoded slashes) and bodies — valid, mutated,
 * hostile: any JSON for each field, unknown fields — for create, read, change, delete, backend
 * and member messages, history, a member's list, read marks, typing and the app's settings.
 * Against one real server: never a 5xx; every 4xx has the error body; a refused request changes
 * nothing (the app's conversations, the fixed conversation with its history, the member's list).
 * Then typing frames of any shape over WebSocket: a well-formed one never closes the socket, any
 * other closes it with 4400 unless only an extra field is wrong (extra fields of a frame are
 * ignored), and the other member of the typing fuzz's own conversation sees only its typing frames.
 */
import { connectWs, request, type TestApp, useServer } from "@pushback/testkit"
import { FastCheck as fc } from "effect"
import { beforeAll, expect, it } from "vitest"
import { expectErrorShape } from "../http/helpers.js"
import { report, scaled, tally } from "./support.js"

const RUNS = scaled(300, 20_000)
const FRAMES = scaled(150, 5_000)

const server = useServer()
let app: TestApp
let token: string
let other: string

beforeAll(async () => {
  app = await server.newApp("chat-fuzz")
  token = await server.userToken(app, "fuzzed")
  other = await server.userToken(app, "peer")
  const made = await request(server.url, "POST", "/v1/conversations", {
    token: app.secret,
    body: { id: "fixed", members: ["fuzzed", "peer"] }
  })
  expect(made.status).toBe(201)
})

const json = fc.jsonValue({ maxDepth: 2 })
const idArb = fc.oneof(
  { arbitrary: fc.constant("fixed"), weight: 4 },
  fc.constantFrom("fixed", "ghost", "a:b.c-d_e", "has space", "slash%2Fx", "%00", "%F0", "é", "..", ""),
  fc.string({ minLength: 1, maxLength: 140 }).map(encodeURIComponent),
  fc.constant("k".repeat(129))
)
const membersArb = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom("fuzzed", "peer", "u1"), fc.string({ maxLength: 130 })), {
    maxLength: 4
  }),
  json
)
/** A body: each known field left out, valid or anything; sometimes an unknown one. */
const bodyArb = fc.record(
  {
    id: fc.oneof(fc.constantFrom("fixed", "new-one"), fc.string({ maxLength: 10 }), json),
    members: membersArb,
    title: fc.oneof(fc.string({ maxLength: 210 }), fc.constant(null), json),
    data: fc.oneof(json, fc.string({ minLength: 4090, maxLength: 4200 })),
    add: membersArb,
    remove: membersArb,
    text: fc.oneof(fc.string({ maxLength: 20 }), fc.constant("x".repeat(4001)), json),
    author: fc.oneof(fc.constantFrom("fuzzed", "peer", "stranger"), fc.constant(null), json),
    clientId: fc.oneof(fc.string({ maxLength: 70 }), json),
    seq: fc.oneof(fc.integer({ min: -2, max: 5 }), json),
    notifyAfter: fc.oneof(fc.integer({ min: -1, max: 700_000 }), json),
    [fc.sample(fc.constantFrom("titel", "member", "txt", "__proto__"), 1)[0]!]: json
  },
  { requiredKeys: [] }
)
/** A body that is right (or nearly) for `op`, so the accepted paths are fuzzed too. */
const likelyFor = (op: string): fc.Arbitrary<unknown> => {
  // U+0000 too: PostgreSQL text cannot hold it, so it must be refused the same on both stores
  const text = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constant("a\u0000b"))
  switch (op) {
    case "create":
      return fc.record(
        { members: fc.constantFrom(["fuzzed", "peer"], ["fuzzed", "u1", "u2"]), title: text, data: json },
        { requiredKeys: ["members"] }
      )
    case "patch":
      return fc.record(
        {
          title: fc.oneof(text, fc.constant(null)),
          add: fc.constantFrom(["u1"], ["u2"]),
          remove: fc.constantFrom(["u1"], ["u2"])
        },
        { requiredKeys: [] }
      )
    case "post":
      return fc.record(
        { text, author: fc.constantFrom("fuzzed", "peer", null), data: json },
        { requiredKeys: ["text"] }
      )
    case "send":
      return fc.record({ text, clientId: fc.string({ minLength: 1, maxLength: 4 }), data: json })
    case "read":
      return fc.record({ seq: fc.integer({ min: 0, max: 8 }) })
    case "settings":
      return fc.record({ notifyAfter: fc.integer({ min: 0, max: 120 }) })
    default:
      return fc.constant({})
  }
}
const ops = [
  "create",
  "get",
  "patch",
  "delete",
  "post",
  "mine",
  "history",
  "send",
  "read",
  "typing",
  "settings"
] as const
const caseArb = fc.constantFrom(...ops).chain((op) =>
  fc.record({
    op: fc.constant(op),
    id: idArb,
    body: fc.oneof({ arbitrary: likelyFor(op), weight: 3 }, bodyArb, json),
    query: fc.constantFrom(
      "",
      "?limit=0",
      "?limit=2&offset=1",
      "?before=2",
      "?limit=abc",
      "?before=-1",
      "?offset=-1"
    )
  })
)

/** The app's conversations, the fixed one with its history, and the fuzzed member's list. */
const state = async () => {
  const read = async (path: string, credential: string) =>
    (await request(server.url, "GET", path, { token: credential })).body
  return JSON.stringify([
    await read(`/v1/apps/${app.id}/conversations?limit=100`, server.adminToken),
    await read("/v1/conversations/fixed", app.secret),
    await read("/v1/me/conversations/fixed/messages?limit=100", other),
    await read("/v1/me/conversations?limit=100", token),
    await read("/v1/conversation-settings", app.secret)
  ])
}

it(`answers ${RUNS} generated conversation requests: no 5xx, errors with the error body, refusals change nothing`, async () => {
  const outcomes = tally()
  let before = await state()
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const backend = `/v1/conversations/${c.id}`
      const mine = `/v1/me/conversations/${c.id}`
      const [method, path, credential]: [string, string, string] = {
        create: ["POST", "/v1/conversations", app.secret],
        get: ["GET", backend, app.secret],
        patch: ["PATCH", backend, app.secret],
        delete: ["DELETE", backend, app.secret],
        post: ["POST", `${backend}/messages`, app.secret],
        mine: ["GET", `/v1/me/conversations${c.query}`, token],
        history: ["GET", `${mine}/messages${c.query}`, token],
        send: ["POST", `${mine}/messages`, token],
        read: ["POST", `${mine}/read`, token],
        typing: ["POST", `${mine}/typing`, token],
        settings: ["PUT", "/v1/conversation-settings", app.secret]
      }[c.op] as [string, string, string]
      // The fixed conversation stays: deleting it would make every later refusal trivially true.
      const path2 = c.op === "delete" && c.id === "fixed" ? "/v1/conversations/ghost" : path
      const body = method === "GET" || method === "DELETE" ? undefined : c.body
      const res = await request(server.url, method, path2, {
        token: credential,
        ...(body === undefined ? {} : { body })
      })
      outcomes.add(`${c.op} ${res.status}`)
      expect(
        res.status,
        `${method} ${path2} ${JSON.stringify(body)?.slice(0, 300)}: ${res.text}`
      ).toBeLessThan(500)
      if (res.status >= 400) {
        expectErrorShape({ status: res.status, headers: res.headers, text: res.text, body: res.body })
        if (method !== "GET") expect(await state(), `${method} ${path2}`).toBe(before)
      } else if (method !== "GET") before = await state()
    }),
    { numRuns: RUNS, endOnFailure: true }
  )
  expect(server.output()).not.toMatch(/internal error/)
  report("conversation endpoints fuzz", { runs: RUNS, ...outcomes.counts })
}, 180_000)

/**
 * The typing fuzz's own conversation and members. The request fuzz's messages leave away
 * notifications pending for "peer" in "fixed" (due after whatever `notifyAfter` it set), which
 * must not land in the middle of the typing fuzz.
 */
const ROOM = "typing-room"
const frameArb = fc.oneof(
  {
    arbitrary: fc.record(
      {
        type: fc.constant("typing"),
        conversation: fc.constantFrom(ROOM, "ghost"),
        ref: fc.string({ minLength: 1, maxLength: 8 })
      },
      { requiredKeys: ["type", "conversation"] }
    ),
    weight: 3
  },
  fc.record(
    {
      type: fc.constant("typing"),
      conversation: fc.oneof(
        fc.constantFrom(ROOM, "fixed", "ghost", "bad id", ""),
        fc.string({ maxLength: 130 }),
        json
      ),
      ref: fc.oneof(fc.string({ maxLength: 70 }), json),
      [fc.sample(fc.constantFrom("user", "conversations", "seq"), 1)[0]!]: json
    },
    { requiredKeys: ["type"] }
  ),
  json
)

it(`takes ${FRAMES} generated typing frames: well-formed ones keep the socket, malformed ones close it with 4400`, async () => {
  const outcomes = tally()
  const made = await request(server.url, "POST", "/v1/conversations", {
    token: app.secret,
    body: { id: ROOM, members: ["typist", "watcher"] }
  })
  expect(made.status).toBe(201)
  const typist = await server.userToken(app, "typist")
  const peer = await connectWs(`${server.wsUrl}/v1/ws?token=${await server.userToken(app, "watcher")}`)
  await peer.next((f) => f.type === "welcome")
  let ws = await connectWs(`${server.wsUrl}/v1/ws?token=${typist}`)
  await ws.next((f) => f.type === "welcome")
  await fc.assert(
    fc.asyncProperty(frameArb, async (frame) => {
      const shaped =
        typeof frame === "object" &&
        frame !== null &&
        !Array.isArray(frame) &&
        (frame as Record<string, unknown>)["type"] === "typing" &&
        Object.keys(frame).every((k) => k === "type" || k === "conversation" || k === "ref") &&
        typeof (frame as Record<string, unknown>)["conversation"] === "string" &&
        /^[A-Za-z0-9_.:-]{1,128}$/.test(String((frame as Record<string, unknown>)["conversation"])) &&
        ["undefined", "string"].includes(typeof (frame as Record<string, unknown>)["ref"]) &&
        String((frame as Record<string, unknown>)["ref"] ?? "x").length >= 1 &&
        String((frame as Record<string, unknown>)["ref"] ?? "x").length <= 64
      ws.send({ ...(typeof frame === "object" && frame !== null ? frame : { value: frame }) })
      // a ping after it: answered while the socket lives
      ws.send({ type: "ping" })
      const answer = await ws
        .next((f) => f.type === "pong")
        .then(
          () => "open" as const,
          async () => (await ws.closed).code
        )
      outcomes.add(`${shaped ? "shaped" : "malformed"} ${answer}`)
      if (shaped) expect(answer, JSON.stringify(frame)).toBe("open")
      else if (answer !== "open") {
        expect(answer, JSON.stringify(frame)).toBe(4400)
        ws = await connectWs(`${server.wsUrl}/v1/ws?token=${typist}`)
        await ws.next((f) => f.type === "welcome")
      }
    }),
    { numRuns: FRAMES, endOnFailure: true }
  )
  // the other member saw typing frames (at least the first: one per 2 s is forwarded), only for
  // their conversation, from the typist
  const typing = peer.frames.filter((x) => x.type === "typing")
  expect(typing.length).toBeGreaterThan(0)
  for (const f of typing) expect(f).toEqual({ type: "typing", conversation: ROOM, user: "typist" })
  expect(peer.frames.filter((f) => f.type !== "welcome" && f.type !== "typing")).toEqual([])
  await Promise.all([ws.close(), peer.close()])
  expect(server.output()).not.toMatch(/internal error/)
  report("typing frame fuzz", { runs: FRAMES, ...outcomes.counts })
}, 180_000)
