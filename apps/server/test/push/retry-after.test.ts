/**
 * A push service's `Retry-After` (PROTOCOL.md §14: 429 and 5xx are retried no sooner), in
 * process: both forms RFC 9110 allows, seconds and an HTTP date, and what is not one of them.
 * The loopback test of a 429 (send.test.ts) shows the seconds form honoured end to end.
 */
import { expect, it } from "vitest"
import { retryAfterMs } from "../../src/push/pushSender.js"

it("reads Retry-After as seconds or an HTTP date, and ignores anything else", () => {
  const now = Date.parse("2026-12-07T12:00:00Z")
  expect(retryAfterMs("120", now)).toBe(120_000)
  expect(retryAfterMs(" 0 ", now)).toBe(0)
  expect(retryAfterMs(["30", "60"], now)).toBe(30_000)
  expect(retryAfterMs("Mon, 07 Dec 2026 12:01:30 GMT", now)).toBe(90_000)
  // A date already past: retry as soon as the backoff says.
  expect(retryAfterMs("Mon, 07 Dec 2026 11:00:00 GMT", now)).toBe(0)
  for (const junk of [undefined, "", "soon", "1.5 minutes"])
    expect(retryAfterMs(junk, now), String(junk)).toBeUndefined()
})
