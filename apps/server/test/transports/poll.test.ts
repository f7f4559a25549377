/**
 * What only long-polling has (PROTOCOL.md §4, §4.1): answering at once or holding up to
 * `wait` seconds, `wait` bounds, coalescing entries that arrive together, answers bounded by
 * `sessionQueueBytes`, the per-user limit of concurrent polls (429), and no state kept per
 * poller — a restarted node continues from the client's cursor.
 */
import { eventually, request, type ServerFrame, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { type Endpoint, liveSessions, notifyMany } from "./helpers.js"

interface PollAnswer {
  readonly frames: Array<ServerFrame & { seq?: number }>
  readonly cursor: number
}

const poll = async (server: Endpoint, query: string, init: RequestInit = {}) => {
  const started = Date.now()
  const res = await fetch(`${server.url}/v1/poll?${query}`, init)
  const body = (await res.json()) as PollAnswer & { error?: { code: string; details?: { field: string } } }
  return { res, body, ms: Date.now() - started }
}

describe("GET /v1/poll", () => {
  const server = useServer({ config: { maxPollsPerUser: 2, limits: { sessionQueueBytes: 8 * 1024 } } })
  let app: TestApp

  beforeAll(async () => {
    app = await server.newApp()
  })

  it("without a cursor answers at once with welcome and the latest cursor, uncached, with CORS", async () => {
    const token = await server.userToken(app, "first", { register: true })
    await notifyMany(server, app, "first", 2)
    const { res, body, ms } = await poll(server, `token=${token}&wait=30`, {
      headers: { origin: "http://elsewhere.example" }
    })
    expect(res.status).toBe(200)
    expect(ms).toBeLessThan(2000)
    expect(res.headers.get("content-type")).toMatch(/^application\/json/)
    expect(res.headers.get("cache-control")).toBe("no-store")
    expect(res.headers.get("access-control-allow-origin")).toBe("*")
    expect(body.cursor).toBe(2)
    expect(body.frames).toHaveLength(1)
    expect(body.frames[0]).toMatchObject({ type: "welcome", user: "first", cursor: 2, unseen: 2 })
  })

  it("with a cursor answers at once with the entries after it, and no welcome", async () => {
    const token = await server.userToken(app, "behind", { register: true })
    await notifyMany(server, app, "behind", 3)
    const { body, ms } = await poll(server, `token=${token}&cursor=1&wait=30`)
    expect(ms).toBeLessThan(2000)
    expect(body.frames.map((f) => [f.type, f.seq])).toEqual([
      ["notification", 2],
      ["notification", 3]
    ])
    expect(body.cursor).toBe(3)
  })

  it("holds a caught-up poll and answers as soon as an entry arrives", async () => {
    const token = await server.userToken(app, "waiting", { register: true })
    const held = poll(server, `token=${token}&cursor=0&wait=20`)
    await eventually(async () => (await liveSessions(server, app, "waiting")) === 1)
    const sent = Date.now()
    await server.notify(app, { users: ["waiting"], content: "now" })
    const { body } = await held
    expect(Date.now() - sent).toBeLessThan(1000)
    expect(body.frames).toHaveLength(1)
    expect(body.frames[0]).toMatchObject({ type: "notification", seq: 1, notification: { content: "now" } })
    expect(body.cursor).toBe(1)
    await eventually(async () => (await liveSessions(server, app, "waiting")) === 0)
  })

  it("answers an empty poll with the same cursor when the wait runs out", async () => {
    const token = await server.userToken(app, "quiet", { register: true })
    await notifyMany(server, app, "quiet", 1)
    const one = await poll(server, `token=${token}&cursor=1&wait=1`)
    expect(one.body).toEqual({ frames: [], cursor: 1 })
    expect(one.ms).toBeGreaterThanOrEqual(900)
    expect(one.ms).toBeLessThan(3000)
    const zero = await poll(server, `token=${token}&cursor=1&wait=0`)
    expect(zero.body).toEqual({ frames: [], cursor: 1 })
    expect(zero.ms).toBeLessThan(1000)
    const half = await poll(server, `token=${token}&cursor=1&wait=0.5`)
    expect(half.body).toEqual({ frames: [], cursor: 1 })
  })

  it("refuses a wait out of range or not a number with 400 naming wait", async () => {
    const token = await server.userToken(app, "impatient", { register: true })
    for (const wait of ["-1", "61", "abc", "1e2", "Infinity", "NaN", "0x10"]) {
      const { res, body } = await poll(server, `token=${token}&cursor=0&wait=${wait}`)
      expect(res.status, `wait=${wait}`).toBe(400)
      expect(body.error).toMatchObject({ code: "bad_request", details: { field: "wait" } })
    }
    const ok = await poll(server, `token=${token}&cursor=0&wait=0`)
    expect(ok.res.status).toBe(200)
  })

  it("brings entries that arrive together in one answer and loses none", async () => {
    const token = await server.userToken(app, "burst", { register: true })
    const held = poll(server, `token=${token}&cursor=0&wait=20`)
    await eventually(async () => (await liveSessions(server, app, "burst")) === 1)
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => server.notify(app, { users: ["burst"], content: i }))
    )
    const seqs: Array<number> = []
    let answer = (await held).body
    for (;;) {
      for (const f of answer.frames) seqs.push(f.seq!)
      if (seqs.length >= 5) break
      answer = (await poll(server, `token=${token}&cursor=${answer.cursor}&wait=5`)).body
    }
    expect(seqs).toEqual([1, 2, 3, 4, 5])
  })

  it("splits a backlog larger than sessionQueueBytes over several answers, with no gap", async () => {
    const token = await server.userToken(app, "backlog", { register: true })
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        server.notify(app, { users: ["backlog"], content: `${i}`.repeat(2000) })
      )
    )
    const seqs: Array<number> = []
    let cursor = 0
    let answers = 0
    while (seqs.length < 12) {
      const { body } = await poll(server, `token=${token}&cursor=${cursor}&wait=0`)
      expect(body.frames.length).toBeGreaterThan(0)
      for (const f of body.frames) seqs.push(f.seq!)
      cursor = body.cursor
      answers++
    }
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    expect(cursor).toBe(12)
    expect(answers).toBeGreaterThan(1)
  })

  it("refuses more than maxPollsPerUser concurrent polls with 429 and Retry-After", async () => {
    const token = await server.userToken(app, "greedy", { register: true })
    const stop = new AbortController()
    const held = [1, 2].map(() =>
      fetch(`${server.url}/v1/poll?token=${token}&cursor=0&wait=20`, { signal: stop.signal }).catch(
        () => undefined
      )
    )
    await eventually(async () => (await liveSessions(server, app, "greedy")) === 2)
    const third = await request(server.url, "GET", `/v1/poll?token=${token}&cursor=0&wait=20`, {
      headers: { origin: "http://a.example" }
    })
    expect(third.status).toBe(429)
    expect(third.body).toMatchObject({ error: { code: "rate_limited" } })
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(third.headers.get("access-control-allow-origin")).toBe("*")

    // Another user is not affected.
    const other = await server.userToken(app, "modest", { register: true })
    expect((await poll(server, `token=${other}&cursor=0&wait=0`)).res.status).toBe(200)

    // Once the held polls end, polling works again.
    stop.abort()
    await Promise.all(held)
    await eventually(async () => (await liveSessions(server, app, "greedy")) === 0)
    expect((await poll(server, `token=${token}&cursor=0&wait=0`)).res.status).toBe(200)
  })

  it("answers bad cursors with 400 and a future cursor with reset", async () => {
    const token = await server.userToken(app, "odd", { register: true })
    await notifyMany(server, app, "odd", 2)
    for (const cursor of ["-1", "abc", "2.0", "99999999999999999999"]) {
      const { res, body } = await poll(server, `token=${token}&cursor=${cursor}&wait=0`)
      expect(res.status, `cursor=${cursor}`).toBe(400)
      expect(body.error).toMatchObject({ code: "bad_request", details: { field: "cursor" } })
    }
    const future = await poll(server, `token=${token}&cursor=7&wait=20`)
    expect(future.ms).toBeLessThan(2000)
    expect(future.body).toEqual({ frames: [{ type: "reset", cursor: 2 }], cursor: 2 })
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it("accepts the token as a bearer header too, and never logs it", async () => {
    const token = await server.userToken(app, "header", { register: true })
    const { res, body } = await poll(server, "wait=0", { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    expect(body.frames[0]).toMatchObject({ type: "welcome", user: "header" })
    expect((await poll(server, `token=${token}broken`)).res.status).toBe(401)
    expect(server.output()).not.toContain(token)
  })
})

describe("long-polling keeps no state per poller", () => {
  const server = useServer()
  let app: TestApp

  beforeAll(async () => {
    app = await server.newApp()
  })

  it("continues from the client's cursor on a restarted node", async () => {
    const token = await server.userToken(app, "roaming", { register: true })
    const first = await poll(server, `token=${token}`)
    expect(first.body.cursor).toBe(0)
    await notifyMany(server, app, "roaming", 2)
    const second = await poll(server, `token=${token}&cursor=0&wait=5`)
    expect(second.body.cursor).toBe(2)

    await server.restart()
    await notifyMany(server, app, "roaming", 1)
    const third = await poll(server, `token=${token}&cursor=${second.body.cursor}&wait=5`)
    expect(third.body.frames.map((f) => f.seq)).toEqual([3])
    expect(third.body.cursor).toBe(3)
  })
})
