/**
 * The reads of the outbox (OutboxStore.ts) over any `@effect/sql` client, portable between
 * SQLite and PostgreSQL: when the next job is due, and the jobs given up on.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { type OutboxRecord, type OutboxStoreShape, outboxJobOf } from "./OutboxStore.js"

const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

const toRecord = (r: Record<string, unknown>): OutboxRecord => ({
  ...outboxJobOf(r),
  state: String(r["state"]),
  lastError: strOrNull(r["last_error"]),
  createdAt: String(r["created_at"]),
  settledAt: strOrNull(r["settled_at"])
})

/** The outbox reads on the SqlClient in context. */
export const makeOutboxReads = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const reads: Pick<OutboxStoreShape, "nextDue" | "failed"> = {
    // A held job is due again when its lease ends. Read along the (state, due_at) index, not
    // over every queued job (a backlog of 20,000 cost 2.5 ms a round): the earliest unheld job,
    // then the lease ends of the held jobs due before it (the claimed ones, at the front). Two
    // reads, not one transaction: the answer only says when to look again.
    nextDue: (kinds) =>
      kinds.length === 0
        ? Effect.succeed(null)
        : Effect.gen(function* () {
            const [first] =
              yield* sql`SELECT due_at FROM outbox WHERE state = 'queued' AND ${sql.in("kind", kinds)}
              AND (lease_until IS NULL OR lease_until <= due_at) ORDER BY due_at LIMIT 1`
            const unheld = strOrNull(first?.["due_at"])
            const [held] = yield* sql`SELECT MIN(lease_until) AS t FROM outbox WHERE state = 'queued'
              AND ${sql.in("kind", kinds)} AND lease_until > due_at
              ${unheld === null ? sql`` : sql`AND due_at <= ${unheld}`}`
            const lease = strOrNull(held?.["t"])
            return unheld === null || (lease !== null && lease < unheld) ? lease : unheld
          }).pipe(Effect.orDie),
    failed: (kind, app, limit) =>
      (app === undefined
        ? sql`SELECT * FROM outbox WHERE kind = ${kind} AND state = 'failed'
            ORDER BY settled_at DESC, id LIMIT ${limit}`
        : sql`SELECT * FROM outbox WHERE kind = ${kind} AND state = 'failed' AND app = ${app}
            ORDER BY settled_at DESC, id LIMIT ${limit}`
      ).pipe(
        Effect.map((rows) => rows.map(toRecord)),
        Effect.orDie
      )
  }
  return reads
})
