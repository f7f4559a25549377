/**
 * WebSocket frame fuzz (issue 17, PROTOCOL.md §4, §10): generated sequences of client frames —
 * valid actions on the user's own, another user's and another app's notification ids, and
 * non-JSON, binary, invalid UTF-8, oversize, unknown and mistyped frames, a second hello,
 * actions before hello — each on a fresh socket. The protocol's own `ClientFrame` schema is the
 * oracle for what is valid. Properties: the valid actions are answered by their `ref`, in
 * order (all of them unless a bad frame closes the socket first); the first bad frame closes the socket with its code (1009 oversize,
 * 1007 invalid UTF-8, 4400 anything else malformed, 4001 a bad hello token); a sequence with
 * none stays open; and nothing of another user or app ever changes.
 */
import { ClientFrame, PageActionFrame } from "@pushback/protocol"
import { localToken, request, type ServerFrame, type TestApp, useServer } from "@pushback/testkit"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import WebSocket from "ws"
import { beforeAll, expect, it } from "vitest"
import { hostileValue } from "./arbitraries.js"
import { report, scaled, tally } from "./support.js"

const RUNS = scaled(200, 20_000)
const FRAME_LIMIT = 16 * 1024

const server = useServer()
let app: TestApp
let other: TestApp
let ids: { own: Array<string>; bob: Array<string>; carol: Array<string> }

const listIds = async (a: TestApp, user: string) =>
  (
    await request<{ results: Array<{ id: string }> }>(server.url, "GET", "/v1/me/notifications?limit=100", {
      token: localToken(a, user)
    })
  ).body.results.map((n) => n.id)

/** What another user and another app have: must never change. */
const untouched = async () => ({
  bob: (await request(server.url, "GET", "/v1/users/bob/notifications?limit=100", { token: app.secret }))
    .body,
  carol: (
    await request(server.url, "GET", "/v1/users/carol/notifications?limit=100", { token: other.secret })
  ).body
})

beforeAll(async () => {
  ;[app, other] = await Promise.all([server.newApp("ws-fuzz"), server.newApp("ws-fuzz-other")])
  await server.registerUsers(app, ["alice", "bob"])
  await server.registerUsers(other, ["carol"])
  for (let i = 0; i < 5; i++) {
    await server.notify(app, { users: ["alice", "bob"], content: `n${i}` })
    await server.notify(other, { users: ["carol"], content: `c${i}` })
  }
  ids = {
    own: await listIds(app, "alice"),
    bob: await listIds(app, "bob"),
    carol: await listIds(other, "carol")
  }
})

/** One frame as bytes on the wire. */
interface Wire {
  readonly data: Buffer
  readonly binary: boolean
}

const isWire = (f: Wire | Record<string, unknown>): f is Wire => "data" in f && Buffer.isBuffer(f["data"])

const text = (value: unknown): Wire => ({ data: Buffer.from(JSON.stringify(value) ?? "null"), binary: false })

const anyId = () =>
  fc.oneof(fc.constantFrom(...ids.own, ...ids.bob, ...ids.carol), fc.string({ minLength: 1, maxLength: 64 }))

/** Frames that are valid actions (by the schema) on ids of anyone. */
const valid = (): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(
    fc.record({
      type: fc.constantFrom("seen", "read", "delete"),
      ids: fc.array(anyId(), { minLength: 1, maxLength: 5 })
    }),
    fc.constant({ type: "unseen" }),
    Arbitrary.make(PageActionFrame).map((f) => ({ ...f })),
    fc.constant({ type: "ping" })
  )

/** A valid frame with one field swapped for a hostile value, or dropped. */
const mistyped = (): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(
      valid(),
      fc.constantFrom("type", "ids", "ref", "limit", "offset", "cursor", "token"),
      hostileValue,
      fc.boolean()
    )
    .map(([frame, key, value, drop]) => {
      const copy = { ...frame }
      if (drop) delete copy[key]
      else copy[key] = value
      return copy
    })

const frameArb = (): fc.Arbitrary<Wire | Record<string, unknown>> =>
  fc.oneof(
    { weight: 6, arbitrary: valid() },
    { weight: 3, arbitrary: mistyped() },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc
          .constantFrom(
            "{not json",
            '{"type":{"toString":1}}',
            "",
            "null",
            "[]",
            '"hello"',
            "{}",
            '{"type":"explode"}'
          )
          .map((s) => ({ data: Buffer.from(s), binary: false })),
        fc.uint8Array({ minLength: 1, maxLength: 32 }).map((b) => ({ data: Buffer.from(b), binary: true })),
        fc.uint8Array({ maxLength: 16 }).map((b) => ({
          data: Buffer.concat([
            Buffer.from('{"type":"ping","x":"'),
            Buffer.from([0xc3, 0x28]),
            Buffer.from(b),
            Buffer.from('"}')
          ]),
          binary: false
        })),
        fc
          .integer({ min: FRAME_LIMIT + 1, max: 40_000 })
          .map((n) => ({ data: Buffer.from(`{"type":"seen","ids":["${"x".repeat(n)}"]}`), binary: false })),
        fc.constant({ type: "hello", token: "again" })
      )
    }
  )

/** How the server must take one frame, by the contract: answered, or closed with a code. */
const judge = (wire: Wire, opened: boolean): "ok" | number => {
  if (wire.data.length > FRAME_LIMIT) return 1009
  if (wire.binary) return 4400
  const decoded = new TextDecoder("utf-8", { fatal: true })
  let textValue: string
  try {
    textValue = decoded.decode(wire.data)
  } catch {
    return 1007
  }
  let frame: Either.Either<ClientFrame, unknown>
  try {
    frame = Schema.decodeUnknownEither(Schema.parseJson(ClientFrame))(textValue)
  } catch {
    return 4400 // the schema cannot even inspect it (`{"type": {"toString": 1}}`)
  }
  if (Either.isLeft(frame)) return 4400
  if (frame.right.type === "hello") return opened ? 4400 : "ok"
  return opened ? "ok" : 4400
}

/**
 * Runs one sequence on a fresh socket; returns how it ended (a close code, or "open" once the
 * pong of a final ping came: frames are answered in order, so every reply came before it).
 */
const run = (url: string, frames: ReadonlyArray<Wire>, expectClose: boolean, pings: number) =>
  new Promise<{ ending: number | "open"; replies: Array<string> }>((resolve, reject) => {
    const ws = new WebSocket(url)
    const replies: Array<string> = []
    let pongs = 0
    const timer = setTimeout(() => {
      ws.terminate()
      const shown = frames.map((w) => w.data.toString("latin1").slice(0, 60)).join(" | ")
      reject(new Error(`no ending in 10 s (${pongs}/${pings + 1} pongs, replies ${replies}): ${shown}`))
    }, 10_000)
    ws.on("open", () => {
      for (const f of frames) ws.send(f.data, { binary: f.binary })
      if (!expectClose) ws.send('{"type":"ping"}')
    })
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame
      if (frame.type === "reply" && frame.ref !== undefined) replies.push(frame.ref)
      if (frame.type === "pong" && !expectClose && ++pongs === pings + 1) {
        clearTimeout(timer)
        ws.close()
        resolve({ ending: "open", replies })
      }
    })
    ws.on("close", (code) => {
      clearTimeout(timer)
      resolve({ ending: code, replies })
    })
    ws.on("error", () => undefined)
  })

/** What the contract says a sequence does: where it closes and with what, and what is answered. */
const expectation = (seq: ReadonlyArray<Wire>, withToken: boolean, good: string) => {
  let opened = withToken
  let pings = 0
  const answered: Array<string> = []
  for (const [i, wire] of seq.entries()) {
    const verdict = judge(wire, opened)
    if (verdict !== "ok") return { close: verdict, cut: i + 1, answered, pings }
    const frame = JSON.parse(wire.data.toString()) as { type: string; ref?: string; token?: string }
    if (frame.type === "hello") {
      if (frame.token !== good) return { close: 4001, cut: i + 1, answered, pings }
      opened = true
    } else if (frame.type === "ping") pings++
    else if (frame.ref !== undefined) answered.push(frame.ref)
  }
  return { close: "open" as const, cut: seq.length, answered, pings }
}

const shown = (frames: ReadonlyArray<Wire>) =>
  frames.map((w) => w.data.toString("latin1").slice(0, 60)).join(" | ")

it(
  `answers or closes right on ${RUNS} generated frame sequences, changing nothing of others`,
  async () => {
    const before = await untouched()
    const outcomes = tally()
    let frames = 0
    const sequence = fc.tuple(fc.boolean(), fc.nat(3), fc.array(frameArb(), { minLength: 1, maxLength: 8 }))
    await fc.assert(
      fc.asyncProperty(sequence, async ([withToken, wrongHello, generated]) => {
        const good = localToken(app, "alice")
        // Without ?token= the first frame is a hello: with the right token, or (1 in 4) a wrong one.
        const seq: Array<Wire> = withToken
          ? []
          : [text({ type: "hello", token: wrongHello === 0 ? "bad.token.here" : good })]
        for (const [i, f] of generated.entries()) {
          if (isWire(f)) seq.push(f)
          else
            seq.push(
              text(f["type"] === "ping" || f["type"] === "hello" ? f : { ...f, ref: f["ref"] ?? `r${i}` })
            )
        }
        const want = expectation(seq, withToken, good)
        const sent = seq.slice(0, want.cut)
        frames += sent.length
        const url = `${server.wsUrl}/v1/ws${withToken ? `?token=${good}` : ""}`
        const { ending, replies } = await run(url, sent, want.close !== "open", want.pings)
        outcomes.add(String(ending))
        const detail = `replies ${replies}, ending ${ending}, sent: ${shown(sent)}`
        expect(ending, detail).toBe(want.close)
        // All replies, in order, on a socket that stays open; where a bad frame closes it, the
        // replies still queued may be cut off, so those that came are the first ones.
        if (want.close === "open") expect(replies, detail).toEqual(want.answered)
        else expect(replies, detail).toEqual(want.answered.slice(0, replies.length))
      }),
      { numRuns: RUNS, endOnFailure: true }
    )
    expect(await untouched(), "another user's or app's notifications changed").toEqual(before)
    expect(server.output()).not.toMatch(/internal error|websocket frame failed/)
    report("WebSocket frame fuzz", { sequences: RUNS, frames, ...outcomes.counts })
  },
  scaled(120_000, 7_200_000)
)
