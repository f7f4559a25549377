/**
 * The outbox on PostgreSQL is a queue table: each job is updated when claimed and when settled,
 * and every update leaves the row's old entries in the indexes until a VACUUM removes them. The
 * claims and the next-due read walk the `(state, due_at)` index from its oldest queued entry, so
 * they walk every dead entry of the jobs settled since the last VACUUM before reaching a live
 * one: 23,000 of them made a claim take 6 ms instead of 0.9 ms, and a burst of webhooks spent
 * more of PostgreSQL on those walks than on its own writes. Autovacuum comes at most once a
 * minute (`autovacuum_naptime`), so a node vacuums the table itself once `AFTER` jobs were
 * settled since it last did, at most every `MIN_INTERVAL_MS`: in the background, skipped when
 * another node is vacuuming it (`SKIP_LOCKED`), with the index cleanup forced (PostgreSQL skips
 * it when few pages have dead rows, and the index entries are what the claims walk).
 */
import { Cause, Effect } from "effect"

/** Settlements between two vacuums of the outbox by one node. */
export const AFTER = 2000
/** The shortest time between two of them. */
export const MIN_INTERVAL_MS = 2000

/** A counter of settlements (`settled(n)`) that vacuums the outbox over `sql` (the store's client) when it is due. */
export const makeOutboxVacuum = (
  sql: (strings: TemplateStringsArray) => Effect.Effect<unknown, unknown>,
  now: () => number = Date.now
) => {
  let settled = 0
  let running = false
  let last = 0
  return (n: number): void => {
    settled += n
    if (settled < AFTER || running || now() - last < MIN_INTERVAL_MS) return
    settled = 0
    running = true
    last = now()
    Effect.runFork(
      sql`VACUUM (SKIP_LOCKED, INDEX_CLEANUP ON) outbox`.pipe(
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.void
            : Effect.sync(() =>
                console.error(`[pushback] vacuuming the outbox failed: ${Cause.pretty(cause)}`)
              )
        ),
        Effect.ensuring(
          Effect.sync(() => {
            running = false
          })
        ),
        Effect.withTracerEnabled(false)
      )
    )
  }
}
