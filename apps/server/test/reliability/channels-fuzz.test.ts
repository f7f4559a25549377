/**
 * Fuzz of the channel endpoints and frames (PROTOCOL.md §12, issue 23): generated namespace
 * names and options, channel names (valid, too long, odd characters, encoded), publish bodies,
 * list/presence/history queries, the operator's read paths, and WebSocket channel frames
 * (subscribe, unsubscribe, publish, presence with any fields, positions and tokens). Against one
 * real server: never a 5xx or a crash; every 4xx has the error body; a refused request or frame
 * changes nothing (the app's namespaces, the fixed channels' positions and histories, the active
 * channels); a channel frame is always answered by its `reply`, or, malformed, by an `error`
 * frame and a 4400 close.
 */
import { connectWs, eventually, request, type TestApp, useServer, type WsClient } from "@pushback/testkit"
import { FastCheck as fc } from "effect"
import { beforeAll, expect, it } from "vitest"
import { channelToken, putNamespace, tokenWith } from "../channels/clients.js"
import { expectErrorShape } from "../http/helpers.js"
import { report, scaled, tally } from "./support.js"

const RUNS = scaled(200, 20_000)
const FRAMES = scaled(200, 20_000)

const server = useServer()
let app: TestApp
let user: string

const FIXED = ["docs:1", "docs:2", "open:1"]

beforeAll(async () => {
  app = await server.newApp("channels-fuzz")
  await putNamespace(server, app, "docs", {
    presence: true,
    joinLeave: true,
    clientPublish: true,
    history: { size: 20, ttlSeconds: 600 }
  })
  await putNamespace(server, app, "open", { public: true })
  user = tokenWith(app, "fuzzed", ["docs:*"])
})

const json = fc.jsonValue({ maxDepth: 2 })
const channelArb = fc.oneof(
  { arbitrary: fc.constantFrom(...FIXED), weight: 3 },
  fc.constantFrom(
    ...FIXED,
    "ghost:1",
    "docs",
    "a:b@c=d",
    "has space",
    "%00",
    "%F0",
    "é",
    "",
    ":",
    "_default:x"
  ),
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
  fc.constant("c".repeat(256))
)
const nsArb = fc.oneof(
  fc.constantFrom("docs", "open", "_default", "extra", "a:b", "%00", "", "..", "n".repeat(256)),
  fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent)
)
const optionsArb = fc.record(
  {
    public: fc.oneof(fc.boolean(), json),
    presence: fc.oneof(fc.boolean(), json),
    joinLeave: fc.oneof(fc.boolean(), json),
    clientPublish: fc.oneof(fc.boolean(), json),
    history: fc.oneof(
      fc.record({
        size: fc.integer({ min: -2, max: 1002 }),
        ttlSeconds: fc.integer({ min: -1, max: 90_000 })
      }),
      json
    ),
    [fc.sample(fc.constantFrom("publik", "size", "__proto__"), 1)[0]!]: json
  },
  { requiredKeys: [] }
)
const publishArb = fc.record(
  {
    data: fc.oneof(json, fc.string({ maxLength: 17_000 })),
    idempotencyKey: fc.oneof(fc.string({ maxLength: 260 }), json),
    [fc.sample(fc.constantFrom("dta", "channel"), 1)[0]!]: json
  },
  { requiredKeys: [] }
)
const caseArb = fc.record({
  op: fc.constantFrom(
    "putNs",
    "getNs",
    "deleteNs",
    "listNs",
    "publish",
    "mePublish",
    "list",
    "presence",
    "history",
    "adminList",
    "adminPresence"
  ),
  channel: channelArb,
  ns: nsArb,
  body: fc.oneof(optionsArb, publishArb, { arbitrary: fc.record({ data: json }), weight: 2 }, json),
  query: fc.constantFrom(
    "",
    "?limit=0",
    "?limit=2",
    "?prefix=docs",
    "?limit=abc",
    "?since=1&epoch=x",
    "?since=-1",
    "?prefix=%25"
  )
})

/** What a refusal must leave as it was. */
const state = async () => {
  const read = async (path: string) => (await request(server.url, "GET", path, { token: app.secret })).body
  return JSON.stringify([
    await read("/v1/namespaces"),
    await read("/v1/channels"),
    ...(await Promise.all(FIXED.map((c) => read(`/v1/channels/${c}/history`))))
  ])
}

/** The part of the state a closed socket leaves as it was: the namespaces and the histories. */
const kept = async () => keptOf(await state())
const keptOf = async (text: string) => {
  const [namespaces, , ...histories] = JSON.parse(text) as Array<unknown>
  return JSON.stringify([namespaces, ...histories])
}

it(`answers ${RUNS} generated channel requests: no 5xx, errors with the error body, refusals change nothing`, async () => {
  const outcomes = tally()
  let before = await state()
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const ch = `/v1/channels/${c.channel}`
      const [method, path, credential]: [string, string, string] = {
        putNs: ["PUT", `/v1/namespaces/${c.ns}`, app.secret],
        getNs: ["GET", `/v1/namespaces/${c.ns}`, app.secret],
        deleteNs: ["DELETE", `/v1/namespaces/${c.ns}`, app.secret],
        listNs: ["GET", "/v1/namespaces", app.secret],
        publish: ["POST", `${ch}/publish`, app.secret],
        mePublish: ["POST", `/v1/me/channels/${c.channel}/publish`, user],
        list: ["GET", `/v1/channels${c.query}`, app.secret],
        presence: ["GET", `${ch}/presence`, app.secret],
        history: ["GET", `${ch}/history${c.query}`, app.secret],
        adminList: ["GET", `/v1/apps/${app.id}/channels${c.query}`, server.adminToken],
        adminPresence: ["GET", `/v1/apps/${app.id}/channels/${c.channel}/presence`, server.adminToken]
      }[c.op] as [string, string, string]
      const body = method === "GET" || method === "DELETE" ? undefined : c.body
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
      // Keep the fixed namespaces: a fuzz case that deleted or changed one puts it back.
      if (c.op === "deleteNs" || c.op === "putNs") {
        await putNamespace(server, app, "docs", {
          presence: true,
          joinLeave: true,
          clientPublish: true,
          history: { size: 20, ttlSeconds: 600 }
        })
        await putNamespace(server, app, "open", { public: true })
        before = await state()
      }
    }),
    { numRuns: RUNS, endOnFailure: true }
  )
  expect(server.output()).not.toMatch(/internal error/)
  report("channel endpoints fuzz", { runs: RUNS, ...outcomes.counts })
}, 180_000)

/** A frame of the right shape: any channel, position or token, so the refusals are the server's to give. */
const wellFormedArb = fc.record(
  {
    type: fc.constantFrom("subscribe", "unsubscribe", "publish", "presence"),
    channel: channelArb.map((c) => decodeURIComponentSafe(c)),
    ref: fc.string({ minLength: 1, maxLength: 8 }),
    data: json,
    token: fc.oneof(fc.string({ maxLength: 30 }), fc.constant("channel-token")),
    since: fc.record({ offset: fc.nat(50), epoch: fc.string({ maxLength: 12 }) })
  },
  { requiredKeys: ["type", "channel", "ref", "data"] }
)

const frameArb = fc.oneof(
  { arbitrary: wellFormedArb, weight: 4 },
  fc.record(
    {
      type: fc.constantFrom("subscribe", "unsubscribe", "publish", "presence"),
      channel: fc.oneof(
        channelArb.map((c) => decodeURIComponentSafe(c)),
        json
      ),
      ref: fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), json),
      data: json,
      token: fc.oneof(fc.string({ maxLength: 30 }), fc.constant("channel-token"), json),
      since: fc.oneof(
        fc.record({ offset: fc.integer({ min: -1, max: 50 }), epoch: fc.string({ maxLength: 12 }) }),
        json
      ),
      [fc.sample(fc.constantFrom("chanel", "type2"), 1)[0]!]: json
    },
    { requiredKeys: ["type"] }
  ),
  json
)

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

it(`answers ${FRAMES} generated channel frames: a reply, or an error frame and 4400; never a crash`, async () => {
  const outcomes = tally()
  let ws: WsClient | undefined
  const socket = async () => {
    if (ws === undefined || ws.isEnded()) {
      ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(user)}`)
      await ws.next((f) => f.type === "welcome")
    }
    return ws
  }
  let before = await state()
  await fc.assert(
    fc.asyncProperty(frameArb, async (generated) => {
      const client = await socket()
      const frame =
        typeof generated === "object" &&
        generated !== null &&
        !Array.isArray(generated) &&
        "token" in generated
          ? {
              ...generated,
              token:
                generated["token"] === "channel-token"
                  ? channelToken(app, "fuzzed", String(generated["channel"]))
                  : generated["token"]
            }
          : generated
      client.send(frame)
      client.send({ type: "ping" })
      const answer = await client
        .next((f) => f.type === "pong" || f.type === "error", 5000)
        .catch(() => undefined)
      if (answer === undefined || answer.type === "error") {
        // Malformed: an error frame, then the 4400 close.
        expect((await client.ended).code, JSON.stringify(frame).slice(0, 300)).toBe(4400)
        outcomes.add("4400")
        // The close ends the socket's subscriptions (a leave, as any close); nothing else changed.
        expect(await kept(), JSON.stringify(frame).slice(0, 300)).toBe(await keptOf(before))
        await eventually(async () => !(await state()).includes('"subscribers"'))
        before = await state()
        return
      }
      const ref = (frame as { ref?: unknown }).ref
      const reply = await client.next((f) => f.type === "reply" && f.ref === ref, 1000).catch(() => undefined)
      expect(reply, JSON.stringify(frame).slice(0, 300)).toBeDefined()
      const ok = (reply as { ok: boolean }).ok
      outcomes.add(
        `${(frame as { type: string }).type} ${ok ? "ok" : (reply as { error: { code: string } }).error.code}`
      )
      if (!ok) expect(await state(), JSON.stringify(frame).slice(0, 300)).toBe(before)
      else before = await state()
    }),
    { numRuns: FRAMES, endOnFailure: true }
  )
  await ws?.close()
  expect(server.output()).not.toMatch(/internal error/)
  report("channel frames fuzz", { frames: FRAMES, ...outcomes.counts })
}, 180_000)
