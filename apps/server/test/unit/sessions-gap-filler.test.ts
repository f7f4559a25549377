/**
 * The gap filler is a field of each hub, not of the module: two servers in one process (two
 * hubs) each fill their own sessions' gaps, and a hub without a filler writes the held entries
 * after the wait as before. It used to be a module-level `let` that every `startServer`
 * overwrote, so the second server's filler caught up the first server's sessions.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest"
import type { Session } from "../../src/stream/Session.js"
import { makeSessions } from "../../src/stream/Sessions.js"
import { recordingSession } from "./recordingSession.js"

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

const entry = (user: string, seq: number) => ({ user, seq, payload: `${user}${seq}` })

it("two hubs in one process: each fills only its own sessions' gaps", () => {
  const hubA = makeSessions()
  const hubB = makeSessions()
  const filledByA: Array<Session> = []
  const filledByB: Array<Session> = []
  hubA.fillGapsWith((s) => filledByA.push(s))
  const a = recordingSession({ user: "u" })
  const b = recordingSession({ user: "u" })
  hubA.add(a.s)
  hubB.add(b.s)
  // Set after hub A's filler: it must not replace it, nor reach A's sessions.
  hubB.fillGapsWith((s) => filledByB.push(s))

  for (const hub of [hubA, hubB]) hub.deliver("a", [entry("u", 1), entry("u", 3)])
  expect(a.written).toEqual(["u1"])
  expect(b.written).toEqual(["u1"])
  vi.advanceTimersByTime(1000)
  expect(filledByA).toEqual([a.s])
  expect(filledByB).toEqual([b.s])
})

it("a hub with no filler writes the held entries after the wait, whatever another hub has", () => {
  const withFiller = makeSessions()
  const without = makeSessions()
  const filled: Array<Session> = []
  withFiller.fillGapsWith((s) => filled.push(s))
  const a = recordingSession({ user: "u" })
  const b = recordingSession({ user: "u" })
  withFiller.add(a.s)
  without.add(b.s)

  for (const hub of [withFiller, without]) hub.deliver("a", [entry("u", 1), entry("u", 3), entry("u", 4)])
  vi.advanceTimersByTime(999)
  expect(b.written).toEqual(["u1"])
  vi.advanceTimersByTime(1)
  expect(b.written).toEqual(["u1", "u3", "u4"])
  expect(a.written).toEqual(["u1"]) // its hub's filler reads the gap from storage instead
  expect(filled).toEqual([a.s])
  // The filler took over: the session is live again, the held entries are not written with the gap.
  expect(a.s.phase).toEqual({ _tag: "live" })
})

it("a filler cleared with undefined writes held entries again", () => {
  const hub = makeSessions()
  const filled: Array<Session> = []
  hub.fillGapsWith((s) => filled.push(s))
  hub.fillGapsWith(undefined)
  const a = recordingSession({ user: "u" })
  hub.add(a.s)
  hub.deliver("a", [entry("u", 1), entry("u", 3)])
  vi.advanceTimersByTime(1000)
  expect(a.written).toEqual(["u1", "u3"])
  expect(filled).toEqual([])
})
