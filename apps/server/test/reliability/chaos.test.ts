/**
 * Chaos on the client side (issue 17): clients on all three transports are cut off at random
 * moments — a WebSocket terminated, an event stream or a poll aborted mid-answer — and come
 * back from the last `seq` they saw, over and over (at least 1,000 reconnects in all), while a
 * writer keeps notifying them. Every client must see its stream as 1, 2, 3, … with no gap and
 * no duplicate, up to the last entry written. (Server crashes, `kill -9` under concurrent
 * writers, are durability/kill9.test.ts.)
 */
import type { PollResponse } from "@pushback/protocol/types"
import { localToken, type ServerFrame, type TestApp, useServer } from "@pushback/testkit"
import WebSocket from "ws"
import { beforeAll, expect, it } from "vitest"
import { report, scaled, tally } from "./support.js"

const RECONNECTS = scaled(1000, 20_000)
const PER_TRANSPORT = 4

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("chaos")
})

type Transport = "ws" | "sse" | "poll"

/**
 * One connection from `cursor`, cut off after `lifeMs` (or when the poll answers); every frame
 * goes to `onFrame` in the order it came.
 */
const connectOnce = (
  transport: Transport,
  token: string,
  cursor: number,
  lifeMs: number,
  onFrame: (f: ServerFrame) => void
) => {
  const q = `token=${encodeURIComponent(token)}&cursor=${cursor}`
  if (transport === "ws") {
    return new Promise<void>((resolve) => {
      const ws = new WebSocket(`${server.wsUrl}/v1/ws?${q}`)
      const timer = setTimeout(() => ws.terminate(), lifeMs)
      ws.on("message", (data) => onFrame(JSON.parse(data.toString()) as ServerFrame))
      ws.on("close", () => {
        clearTimeout(timer)
        resolve()
      })
      ws.on("error", () => undefined)
    })
  }
  const stop = new AbortController()
  const timer = setTimeout(() => stop.abort(), lifeMs)
  const path = transport === "sse" ? `/v1/sse?${q}` : `/v1/poll?${q}&wait=1`
  const run = async () => {
    const res = await fetch(`${server.url}${path}`, { signal: stop.signal })
    expect(res.status).toBe(200)
    if (transport === "poll") {
      const body = (await res.json()) as PollResponse
      for (const f of body.frames) onFrame(f)
      return
    }
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ""
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      const events = buffer.split("\n\n")
      buffer = events.pop()!
      for (const event of events) {
        const data = event.split("\n").find((l) => l.startsWith("data: "))
        if (data !== undefined) onFrame(JSON.parse(data.slice(6)) as ServerFrame)
      }
    }
  }
  return run()
    .catch((e: unknown) => {
      if (!stop.signal.aborted) throw e
    })
    .finally(() => clearTimeout(timer))
}

it(
  `keeps every stream whole over ${RECONNECTS} random disconnects on three transports`,
  async () => {
    const transports: Array<Transport> = ["ws", "sse", "poll"]
    const clients = transports.flatMap((t) =>
      Array.from({ length: PER_TRANSPORT }, (_, i) => ({ transport: t, user: `${t}-${i}`, last: 0 }))
    )
    await server.registerUsers(
      app,
      clients.map((c) => c.user)
    )
    const users = clients.map((c) => c.user)
    let written = 0
    let writing = true
    // Four writers, so calls commit together and entries keep coming during the churn.
    const writer = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (writing) {
          await server.notify(app, { users, content: "chaos" })
          written++
        }
      })
    )
    const outcomes = tally()
    let reconnects = 0
    const onFrameOf = (c: (typeof clients)[number]) => (f: ServerFrame) => {
      expect(f.type, `${c.user}: no reset`).not.toBe("reset")
      if (!("seq" in f)) return
      // No gap, no duplicate: each entry is the one after the last seen.
      expect(f.seq, `${c.user} after ${c.last}`).toBe(c.last + 1)
      c.last = f.seq
      outcomes.add(c.transport)
    }
    await Promise.all(
      clients.map(async (c) => {
        const token = localToken(app, c.user, 3600)
        while (reconnects < RECONNECTS) {
          await connectOnce(c.transport, token, c.last, 5 + Math.floor(Math.random() * 60), onFrameOf(c))
          reconnects++
        }
      })
    )
    writing = false
    await writer
    // One last, calm connection each: everything written arrives, still in order.
    await Promise.all(
      clients.map(async (c) => {
        const token = localToken(app, c.user, 3600)
        for (let i = 0; i < 20 && c.last < written; i++)
          await connectOnce(c.transport, token, c.last, 2000, onFrameOf(c))
        expect(c.last, `${c.user} got everything`).toBe(written)
      })
    )
    report("random disconnects", { reconnects, clients: clients.length, written, ...outcomes.counts })
  },
  scaled(120_000, 3_600_000)
)
