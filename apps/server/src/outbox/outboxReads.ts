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
    // A held job is due again when its lease ends.
    nextDue: (kinds) =>
      kinds.length === 0
        ? Effect.succeed(null)
        : sql`SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > due_at
            THEN lease_until ELSE due_at END) AS t FROM outbox
            WHERE state = 'queued' AND ${sql.in("kind", kinds)}`.pipe(
            Effect.map(([r]) => strOrNull(r?.["t"])),
            Effect.orDie
          ),
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
