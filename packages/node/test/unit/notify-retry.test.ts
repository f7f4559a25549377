/**
 * notify over a scripted fake fetch: one idempotency key for every retry, backoff, Retry-After,
 * no retry on 4xx, timeouts counted as network errors.
 */
import { describe, expect, it } from "vitest"
import { PushBack, PushBackError } from "../../src/index.js"
import { type Fake, SECRET, URL_, connectionError, errorBody, fake, notifyAnswer } from "./fakeFetch.js"

const client = (f: Fake, options: Partial<ConstructorParameters<typeof PushBack>[0]> = {}) =>
  new PushBack({ url: URL_, secret: SECRET, fetch: f.fetch, sleep: f.sleep, random: () => 0.5, ...options })

const rejection = async (promise: Promise<unknown>): Promise<PushBackError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(PushBackError)
  return error as PushBackError
}

const keysOf = (f: Fake) =>
  f.requests.map((r) => ({
    header: r.headers["idempotency-key"],
    body: (r.body as { idempotencyKey?: string }).idempotencyKey
  }))

describe("notify retries", () => {
  it("sends one idempotency key, in header and body, on every attempt", async () => {
    const f = fake(
      { fail: connectionError("ECONNRESET") },
      { status: 503, body: errorBody("unavailable") },
      { status: 500, body: errorBody("internal") },
      notifyAnswer
    )
    const answer = await client(f).notify({ users: ["alice", "bob"], title: "Hi", content: "hello" })
    expect(answer).toEqual({ id: "n_1", recipients: 2, online: 1, emails: 0, pushes: 0 })
    expect(f.requests).toHaveLength(4)
    const keys = keysOf(f)
    const key = keys[0]!.header
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    for (const k of keys) expect(k).toEqual({ header: key, body: key })
  })

  it("generates a new key per call", async () => {
    const f = fake(notifyAnswer)
    const pb = client(f)
    await pb.notify({ content: "a" })
    await pb.notify({ content: "b" })
    const [first, second] = keysOf(f)
    expect(first!.header).not.toBe(second!.header)
  })

  it("uses the caller's key when given", async () => {
    const f = fake({ status: 502, body: "<html>bad gateway</html>" }, notifyAnswer)
    await client(f).notify({ content: "x", idempotencyKey: "order-42-shipped" })
    expect(keysOf(f)).toEqual([
      { header: "order-42-shipped", body: "order-42-shipped" },
      { header: "order-42-shipped", body: "order-42-shipped" }
    ])
  })

  it("keeps a key that cannot be a header value in the body only", async () => {
    const f = fake(notifyAnswer)
    await client(f).notify({ content: "x", idempotencyKey: "clé 1" })
    expect(keysOf(f)).toEqual([{ header: undefined, body: "clé 1" }])
  })

  it("waits a full-jitter backoff between attempts", async () => {
    const f = fake({ fail: connectionError("ECONNRESET") }, notifyAnswer)
    const g = fake({ status: 503, body: errorBody("unavailable") })
    await client(f, { retryBaseDelayMs: 100 }).notify({ content: "x" })
    expect(f.sleeps).toEqual([50])
    await rejection(
      client(g, { retryBaseDelayMs: 100, retryMaxDelayMs: 300, maxRetries: 4 }).notify({ content: "x" })
    )
    // min(300, 100·2^n) · 0.5
    expect(g.sleeps).toEqual([50, 100, 150, 150])
  })

  it("honours Retry-After on 429 (seconds)", async () => {
    const f = fake(
      { status: 429, body: errorBody("rate_limited"), headers: { "retry-after": "2" } },
      notifyAnswer
    )
    await client(f).notify({ content: "x" })
    expect(f.sleeps).toEqual([2000])
    expect(f.requests).toHaveLength(2)
  })

  it("honours Retry-After as an HTTP date, against the injected clock", async () => {
    const now = Date.parse("2025-06-01T12:00:00Z")
    const f = fake(
      {
        status: 503,
        body: errorBody("unavailable"),
        headers: { "retry-after": "Sun, 01 Jun 2025 12:00:05 GMT" }
      },
      notifyAnswer
    )
    await client(f, { now: () => now }).notify({ content: "x" })
    expect(f.sleeps).toEqual([5000])
  })

  it("fails at once when Retry-After is longer than maxRetryAfterMs", async () => {
    const f = fake({
      status: 429,
      body: errorBody("rate_limited", "slow down"),
      headers: { "retry-after": "120" }
    })
    const error = await rejection(client(f).notify({ content: "x" }))
    expect(error).toMatchObject({ status: 429, code: "rate_limited", message: "slow down" })
    expect(f.requests).toHaveLength(1)
    expect(f.sleeps).toEqual([])
  })

  it("gives up after maxRetries with the last error", async () => {
    const f = fake({ status: 503, body: errorBody("unavailable", "storage down") })
    const error = await rejection(client(f).notify({ content: "x" }))
    expect(error).toMatchObject({ status: 503, code: "unavailable", message: "storage down" })
    expect(f.requests).toHaveLength(4)
    const g = fake({ status: 503, body: errorBody("unavailable") })
    await rejection(client(g, { maxRetries: 0 }).notify({ content: "x" }))
    expect(g.requests).toHaveLength(1)
  })

  it.each([
    [400, "bad_request"],
    [401, "unauthorized"],
    [403, "forbidden"],
    [404, "not_found"],
    [409, "conflict"],
    [413, "payload_too_large"]
  ])("does not retry a %i", async (status, code) => {
    const f = fake({ status, body: errorBody(code) }, notifyAnswer)
    const error = await rejection(client(f).notify({ content: "x" }))
    expect(error).toMatchObject({ status, code })
    expect(f.requests).toHaveLength(1)
  })

  it("counts a timeout as a network error: retried, then code timeout", async () => {
    const f = fake("hang", notifyAnswer)
    const answer = await client(f, { timeoutMs: 20 }).notify({ content: "x" })
    expect(answer.id).toBe("n_1")
    expect(f.requests).toHaveLength(2)
    expect(keysOf(f)[1]!.header).toBe(keysOf(f)[0]!.header)

    const g = fake("hang")
    const error = await rejection(client(g, { timeoutMs: 20, maxRetries: 2 }).notify({ content: "x" }))
    expect(error).toMatchObject({ status: 0, code: "timeout", details: { attempts: 3 } })
    expect(g.requests).toHaveLength(3)
  })

  it("times out a body that stalls after the headers", async () => {
    let calls = 0
    const stalled: typeof fetch = async (_url, init) => {
      calls++
      if (calls > 1) return new Response(JSON.stringify(notifyAnswer.body), { status: 202 })
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"id":'))
          init?.signal?.addEventListener("abort", () =>
            controller.error(new DOMException("aborted", "AbortError"))
          )
        }
      })
      return new Response(body, { status: 202 })
    }
    const f = fake(notifyAnswer)
    const answer = await client(f, { fetch: stalled, timeoutMs: 20 }).notify({ content: "x" })
    expect(answer.id).toBe("n_1")
    expect(calls).toBe(2)
  })

  it("reports a network error with its cause after the last retry", async () => {
    const f = fake({ fail: connectionError("ECONNRESET") })
    const error = await rejection(client(f, { maxRetries: 1 }).notify({ content: "x" }))
    expect(error).toMatchObject({ status: 0, code: "network_error", details: { attempts: 2 } })
    expect(error.message).toContain("ECONNRESET")
    expect(error.cause).toBeInstanceOf(TypeError)
  })
})
