/**
 * The retry policy as pure functions: full-jitter bounds, the cap, Retry-After parsing, giving up.
 */
import { describe, expect, it } from "vitest"
import {
  DefaultRetryPolicy,
  backoffDelay,
  parseRetryAfter,
  retryDelay,
  type RetryPolicy
} from "../../src/internal/retry.js"

const policy: RetryPolicy = { maxRetries: 10, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 }
const almostOne = () => 0.999_999

describe("backoffDelay (full jitter, capped)", () => {
  it("stays within [0, base·2^n) before the cap", () => {
    expect(backoffDelay(0, policy, almostOne)).toBe(99)
    expect(backoffDelay(1, policy, almostOne)).toBe(199)
    expect(backoffDelay(2, policy, almostOne)).toBe(399)
    expect(backoffDelay(3, policy, almostOne)).toBe(799)
    for (let retry = 0; retry < 4; retry++) expect(backoffDelay(retry, policy, () => 0)).toBe(0)
  })

  it("never exceeds the cap, however many retries", () => {
    for (const retry of [4, 5, 10, 100, 2000]) {
      expect(backoffDelay(retry, policy, almostOne)).toBe(999)
    }
  })

  it("is uniform over the window: the random draw scales it", () => {
    expect(backoffDelay(2, policy, () => 0.5)).toBe(200)
    expect(backoffDelay(9, policy, () => 0.25)).toBe(250)
  })

  it("has sane defaults", () => {
    expect(DefaultRetryPolicy).toEqual({
      maxRetries: 3,
      baseDelayMs: 250,
      maxDelayMs: 10_000,
      maxRetryAfterMs: 60_000
    })
  })
})

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z")
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("3", now)).toBe(3000)
    expect(parseRetryAfter(" 0 ", now)).toBe(0)
    expect(parseRetryAfter("1.5", now)).toBe(1500)
  })
  it("reads an HTTP date relative to now, never negative", () => {
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:07 GMT", now)).toBe(7000)
    expect(parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", now)).toBe(0)
  })
  it("ignores absent or unreadable values", () => {
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(parseRetryAfter("soon", now)).toBeUndefined()
    expect(parseRetryAfter("-1", now)).toBeUndefined()
  })
})

describe("retryDelay", () => {
  it("gives up after maxRetries", () => {
    const p = { ...policy, maxRetries: 2 }
    expect(retryDelay(0, undefined, p, almostOne)).toBe(99)
    expect(retryDelay(1, undefined, p, almostOne)).toBe(199)
    expect(retryDelay(2, undefined, p, almostOne)).toBeUndefined()
  })
  it("prefers Retry-After to the backoff, even above the backoff cap", () => {
    expect(retryDelay(0, 4000, policy, almostOne)).toBe(4000)
    expect(retryDelay(0, 0, policy, almostOne)).toBe(0)
  })
  it("gives up when Retry-After is longer than allowed", () => {
    expect(retryDelay(0, 5001, policy, almostOne)).toBeUndefined()
  })
})
