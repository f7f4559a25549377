/**
 * Finding 1 of issue 17: a token expiring more than 2³¹−1 ms (about 24.8 days) ahead used to
 * close a WebSocket with 4009 right after `welcome`, because a Node timer that long fires at
 * once. `atExpiry` must fire at the token's expiry, however far away, and not before.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest"
import { atExpiry, MAX_TIMER_MS, msUntil } from "../../src/stream/expiry.js"

const DAY_MS = 86_400_000

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] })
})
afterEach(() => {
  vi.useRealTimers()
})

it("fakes Node's timer overflow, so the test below can see the old bug", () => {
  const fired = vi.fn()
  setTimeout(fired, 30 * DAY_MS)
  vi.advanceTimersByTime(10)
  expect(fired).toHaveBeenCalledOnce()
})

it.each([1, 24, 25, 30, 400, 365 * 50])("fires at an expiry %i days ahead, not before", (days) => {
  const exp = Math.floor(Date.now() / 1000) + days * 86_400
  const fired = vi.fn()
  atExpiry(exp, fired)
  vi.advanceTimersByTime(Math.min(days * DAY_MS - 1000, MAX_TIMER_MS + 1000))
  expect(fired).not.toHaveBeenCalled()
  vi.advanceTimersByTime(exp * 1000 - Date.now() - 1)
  expect(fired).not.toHaveBeenCalled()
  vi.advanceTimersByTime(1)
  expect(fired).toHaveBeenCalledOnce()
  vi.advanceTimersByTime(100 * DAY_MS)
  expect(fired).toHaveBeenCalledOnce()
})

it("never fires once cancelled", () => {
  const fired = vi.fn()
  const cancel = atExpiry(Math.floor(Date.now() / 1000) + 40 * 86_400, fired)
  vi.advanceTimersByTime(MAX_TIMER_MS + 5)
  cancel()
  vi.advanceTimersByTime(100 * DAY_MS)
  expect(fired).not.toHaveBeenCalled()
})

it("clamps the wait to what one timer holds", () => {
  const now = Math.floor(Date.now() / 1000)
  expect(msUntil(now - 10)).toBe(0)
  expect(msUntil(now + 60)).toBeLessThanOrEqual(60_000)
  expect(msUntil(now + 60 * 86_400)).toBe(MAX_TIMER_MS)
})
