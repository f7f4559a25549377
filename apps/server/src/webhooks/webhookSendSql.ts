/**
 * The webhook sender's own writes (WebhookStore.ts `WebhookSends`): taking queued events into a
 * batch, settling a batch, and logging an attempt with what it does to its endpoint — here over
 * `@effect/sql` for PostgreSQL (the store's pool). SQLite runs the same writes as operations of
 * its writer thread (sqliteWebhookWrites.ts), in its group commits: a write on a connection of
 * the main thread would wait there, event loop and all, for the writer's lock. Who joins a
 * batch is decided by `batchMembers`, for both.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { soonBatcher } from "../batching/soon.js"
import { batchMembers } from "./batchMembers.js"
import { str } from "./webhookSql.js"
import { type AttemptEffect, type AttemptRecord, WEBHOOK, type WebhookSendsShape } from "./WebhookStore.js"

/** How long an attempt's log line waits for others to share its transaction. */
const RECORD_HOLD_MS = 5

/** The sender's writes over `sql` (PostgreSQL; SQLite runs them on its writer thread, sqliteWebhookWrites.ts). */
export const makeWebhookSendSql = (sql: SqlClient.SqlClient): WebhookSendsShape => {
  const tx = <A>(effect: Effect.Effect<A, unknown>): Effect.Effect<A> =>
    sql.withTransaction(effect).pipe(Effect.orDie)
  const recordOne = (a: AttemptRecord, effect: AttemptEffect) =>
    Effect.gen(function* () {
      yield* sql`INSERT INTO webhook_attempts (app, endpoint_id, job_id, event_id, type, at, status, ms, error,
              next)
            VALUES (${a.app}, ${a.endpointId}, ${a.jobId}, ${a.eventId}, ${a.type}, ${a.at}, ${a.status}, ${a.ms},
              ${a.error}, ${a.next})`
      if (effect.success) {
        yield* sql`UPDATE webhook_endpoints SET last_status = ${a.status}, last_at = ${a.at}, failing_since = NULL
              WHERE app = ${a.app} AND id = ${a.endpointId}`
        return false
      }
      yield* sql`UPDATE webhook_endpoints SET last_status = ${a.status}, last_at = ${a.at},
              failing_since = COALESCE(failing_since, ${a.at})
            WHERE app = ${a.app} AND id = ${a.endpointId}`
      const off =
        effect.disable === undefined
          ? yield* sql`UPDATE webhook_endpoints SET enabled = 0,
                    disabled_reason = 'failing since ' || failing_since
                  WHERE app = ${a.app} AND id = ${a.endpointId} AND enabled = 1
                    AND failing_since <= ${effect.failingBefore} RETURNING id`
          : yield* sql`UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ${effect.disable}
                  WHERE app = ${a.app} AND id = ${a.endpointId} AND enabled = 1 RETURNING id`
      return off.length > 0
    })
  /**
   * Successes only (the usual batch): their log lines in one statement, and each endpoint's
   * status from its last one in another — what recording them one by one leaves.
   */
  const recordSuccesses = (attempts: ReadonlyArray<AttemptRecord>) =>
    Effect.gen(function* () {
      const column = <K extends keyof AttemptRecord>(k: K) => attempts.map((a) => a[k])
      yield* sql`INSERT INTO webhook_attempts (app, endpoint_id, job_id, event_id, type, at, status, ms, error,
          next)
        SELECT * FROM unnest(${column("app")}::text[], ${column("endpointId")}::text[], ${column("jobId")}::text[],
          ${column("eventId")}::text[], ${column("type")}::text[], ${column("at")}::text[],
          ${column("status")}::int[], ${column("ms")}::int[], ${column("error")}::text[], ${column("next")}::text[])`
      const last = [...new Map(attempts.map((a) => [`${a.app}\n${a.endpointId}`, a])).values()]
      yield* sql`UPDATE webhook_endpoints e SET last_status = v.status, last_at = v.at, failing_since = NULL
        FROM unnest(${last.map((a) => a.app)}::text[], ${last.map((a) => a.endpointId)}::text[],
          ${last.map((a) => a.status)}::int[], ${last.map((a) => a.at)}::text[]) AS v(app, id, status, at)
        WHERE e.app = v.app AND e.id = v.id`
      return attempts.map(() => false)
    })
  // Attempts logged within a few milliseconds share one transaction (batching/soon.ts).
  const recordSoon = soonBatcher(
    RECORD_HOLD_MS,
    (items: ReadonlyArray<readonly [AttemptRecord, AttemptEffect]>) =>
      tx(
        items.every(([, effect]) => effect.success)
          ? recordSuccesses(items.map(([a]) => a))
          : Effect.forEach(items, ([a, effect]) => recordOne(a, effect))
      )
  )
  return {
    takeBatch: (app, endpointId, leader, now, until, max) =>
      tx(
        Effect.gen(function* () {
          // Events this node's worker claimed with the leader wait for it (webhookSender.ts): takeable.
          const [own] = yield* sql`SELECT lease_owner FROM outbox WHERE id = ${leader}`
          const owner = str(own?.["lease_owner"]) ?? ""
          const rows = yield* sql`SELECT id, user_id, due_at, lease_owner, lease_until, last_error FROM outbox
            WHERE kind = ${WEBHOOK} AND app = ${app} AND state = 'queued' AND id LIKE ${`%.${endpointId}`}
              AND id <> ${leader} ORDER BY id LIMIT ${max * 2}`
          const ids = batchMembers(rows, owner, now, max)
          if (ids.length === 0) return []
          const taken =
            yield* sql`UPDATE outbox SET lease_owner = ${`batch:${leader}`}, lease_until = ${until}
            WHERE ${sql.in("id", ids)} AND state = 'queued'
              AND (lease_until IS NULL OR lease_until <= ${now} OR lease_owner = ${owner})
            RETURNING id, user_id, payload`
          return taken
            .map((r) => ({ id: String(r["id"]), userId: str(r["user_id"]), payload: String(r["payload"]) }))
            .sort((a, b) => (a.id < b.id ? -1 : 1))
        })
      ),
    settleBatch: (leader, at) =>
      tx(
        at === undefined
          ? sql`UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ${`batch:${leader}`}`
          : sql`UPDATE outbox SET state = 'sent', settled_at = ${at}, lease_owner = NULL, lease_until = NULL
              WHERE lease_owner = ${`batch:${leader}`}`
      ).pipe(Effect.asVoid),
    record: (attempt, effect) => recordSoon([attempt, effect])
  }
}
