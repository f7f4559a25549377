/**
 * Repair of lost wake-ups (PROTOCOL.md §6: storage is the truth, the bus only wakes). Three
 * ways a session is brought up to storage with `catchUp`, none a query per session per tick:
 * - an entry that came early waited a second for the ones before it (Session.ts): the hub's
 *   gap filler, set per hub by `fillGaps`, so two servers in one process never share one;
 * - the node got Redis back: every local session, a few at a time;
 * - the position check: every few seconds one batched read of the positions of the users
 *   with live sessions here; a session still behind a position seen one check earlier
 *   missed its wake-up and catches up. A user whose row disappeared was deleted while the
 *   Control message was lost: their sessions are closed.
 */
import { CloseCodes } from "@pushback/protocol"
import { Effect, type ManagedRuntime } from "effect"
import type { MetricsShape } from "../stats/Metrics.js"
import { isLive, type Session } from "./Session.js"
import type { SessionsShape } from "./Sessions.js"
import { Store } from "../storage/Store.js"
import { catchUp } from "./stream.js"
import { userKey } from "../cluster/limits/Limits.js"

/** How often positions are checked: a lost last entry is repaired within two of these. */
export const POSITION_CHECK_MS = 3000
/** Sessions caught up at once after a reconnect. */
const RESUME_CONCURRENCY = 8

/** The repair service of one node. */
export const makeRepair = (
  runtime: ManagedRuntime.ManagedRuntime<Store, never>,
  sessions: SessionsShape,
  metrics: MetricsShape
) => {
  const resume = (session: Session) =>
    catchUp(session).pipe(
      Effect.tap(() =>
        Effect.sync(() => {
          metrics.counters.sessionsRepaired++
        })
      ),
      Effect.catchAllDefect((e) =>
        Effect.logWarning(`could not bring session ${session.id} up to storage`, e)
      )
    )
  const live = () => sessions.list().filter(isLive)

  /** Positions seen at the previous check, by user key. */
  let seen = new Map<string, number>()
  const checkPositions = Effect.gen(function* () {
    const store = yield* Store
    const byApp = new Map<string, Array<Session>>()
    for (const s of live()) {
      const list = byApp.get(s.app)
      if (list === undefined) byApp.set(s.app, [s])
      else list.push(s)
    }
    const now = new Map<string, number>()
    const behind: Array<Session> = []
    for (const [app, list] of byApp) {
      const positions = yield* store.positions(app, [...new Set(list.map((s) => s.user))])
      for (const s of list) {
        const key = userKey(app, s.user)
        const position = positions.get(s.user)
        const before = seen.get(key)
        if (position === undefined) {
          if (before !== undefined) s.close(CloseCodes.Unauthorized, "user deleted")
          continue
        }
        now.set(key, position)
        if (before !== undefined && s.cursor < before) behind.push(s)
      }
    }
    seen = now
    yield* Effect.forEach(behind, resume, { concurrency: RESUME_CONCURRENCY, discard: true })
  })

  return {
    /** Late entries are read from storage instead of being written with a gap (this hub's). */
    fillGaps: () => sessions.fillGapsWith((s) => void runtime.runPromise(resume(s))),
    /** Brings every local session up to storage (after Redis came back). */
    resumeAll: () =>
      runtime.runPromise(Effect.forEach(live(), resume, { concurrency: RESUME_CONCURRENCY, discard: true })),
    /** One position check (see the header). */
    checkPositions: () => runtime.runPromise(checkPositions)
  }
}
