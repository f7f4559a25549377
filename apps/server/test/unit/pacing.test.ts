/**
 * The outbox's pacing (src/outbox/pacing.ts): it rests only while callers wait on the node (at
 * least BUSY_IN_FLIGHT REST requests at once), long enough that its rounds take SHARE of the
 * time and never longer than MAX_PAUSE_MS; with fewer requests at a time it does not rest.
 */
import { describe, expect, it } from "vitest"
import { BUSY_IN_FLIGHT, MAX_PAUSE_MS, makePacing, SHARE } from "../../src/outbox/pacing.js"

describe("outbox pacing", () => {
  it("rests while callers wait, so its rounds take SHARE of the time", () => {
    const rest = makePacing(() => 50).restAfter(50)
    expect(rest).toBe(Math.round(50 * (1 / SHARE - 1)))
    expect(50 / (50 + rest)).toBeCloseTo(SHARE, 5)
  })

  it("never rests longer than MAX_PAUSE_MS, so jobs keep going under any load", () => {
    expect(makePacing(() => 500).restAfter(2_000)).toBe(MAX_PAUSE_MS)
  })

  it("does not rest with fewer requests at a time (a backlog draining, a health check now and then)", () => {
    let inFlight = 0
    const pacing = makePacing(() => inFlight)
    expect(pacing.restAfter(50)).toBe(0)
    inFlight = BUSY_IN_FLIGHT - 1
    expect(pacing.restAfter(50)).toBe(0)
    inFlight = BUSY_IN_FLIGHT
    expect(pacing.restAfter(50)).toBeGreaterThan(0)
  })
})
