/**
 * The outbox's writes on PostgreSQL (OutboxStore.ts), with the semantics of sqliteOutbox.ts:
 * a cause's jobs inside its own transaction, and claims that several nodes make at once —
 * `FOR UPDATE SKIP LOCKED`, so each due job goes to one node and a node never waits for the
 * rows another is claiming (PROTOCOL.md §6). A job sent or failed adds what its sender counts
 * to its app's statistics buckets in the same transaction. Settlements a few milliseconds apart
 * share a transaction, and the plain "sent" ones among them are one statement.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { pgStatsBump } from "../stats/pgBuckets.js"
import { makePgWebhookWrites } from "../webhooks/pgWebhooks.js"
import { soonBatcher } from "../batching/soon.js"
import { makeOutboxVacuum } from "./pgVacuum.js"
import { type OutboxRow, type OutboxStoreShape, outboxJobOf, type Settlement } from "./OutboxStore.js"

type Sql = SqlClient.SqlClient

/** Writes jobs inside the caller's transaction; `app` and `createdAt` are their cause's. */
export const pgEnqueue = (sql: Sql, app: string, createdAt: string, rows: ReadonlyArray<OutboxRow>) =>
  rows.length === 0
    ? Effect.void
    : sql`INSERT INTO outbox (id, kind, app, call_id, notification_id, user_id, payload, created_at, due_at,
          attempts, state)
        SELECT r.id, r.kind, ${app}, r.call_id, r.notification_id, r.user_id, r.payload, ${createdAt}, r.due_at,
          0, 'queued'
        FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.kind)}::text[],
          ${rows.map((r) => r.callId)}::text[], ${rows.map((r) => r.notificationId)}::text[],
          ${rows.map((r) => r.userId)}::text[], ${rows.map((r) => r.payload)}::text[],
          ${rows.map((r) => r.dueAt)}::text[])
          AS r(id, kind, call_id, notification_id, user_id, payload, due_at)`.pipe(Effect.asVoid)

/** Drops jobs done (sent, failed, cancelled) and due before `before`; run inside the retention transaction. */
export const pgPruneOutbox = (sql: Sql, before: string) =>
  sql`DELETE FROM outbox WHERE state IN ('sent', 'failed', 'cancelled') AND due_at < ${before}`.pipe(
    Effect.asVoid
  )

/** A settlement of one job, by the lease's owner. */
type Settling = readonly [id: string, owner: string, settlement: Settlement]

/** A "sent" that changes nothing but the job itself: no payload, statistics or events. */
const isPlainSent = (
  item: Settling
): item is readonly [string, string, Extract<Settlement, { state: "sent" }>] => {
  const s = item[2]
  return s.state === "sent" && s.payload === undefined && s.stats === undefined && s.events === undefined
}

/** How long a settlement waits for others to share its transaction (batching/soon.ts). */
const SETTLE_HOLD_MS = 5

/** One settlement, inside the caller's transaction; answers whether the job was still the owner's. */
const settleOne = (sql: Sql, id: string, owner: string, s: Settlement): Effect.Effect<boolean, unknown> => {
  const mine = sql`lease_owner = NULL, lease_until = NULL WHERE id = ${id} AND lease_owner = ${owner}`
  switch (s.state) {
    case "sent":
    case "failed":
      return Effect.gen(function* () {
        const [row] =
          s.state === "sent"
            ? yield* sql`UPDATE outbox SET state = 'sent', settled_at = ${s.at},
                payload = COALESCE(${s.payload ?? null}, payload), last_error = NULL, ${mine} RETURNING app`
            : yield* sql`UPDATE outbox SET state = 'failed', settled_at = ${s.at}, last_error = ${s.error},
                ${mine} RETURNING app`
        if (row !== undefined && s.stats !== undefined)
          yield* pgStatsBump(sql, String(row["app"]), s.at, s.stats)
        if (row !== undefined && s.events !== undefined)
          yield* makePgWebhookWrites(sql).settled(String(row["app"]), s.events)
        return row !== undefined
      })
    case "retry":
      return sql`UPDATE outbox SET due_at = ${s.dueAt}, last_error = ${s.error}, ${mine} RETURNING 1`.pipe(
        Effect.map((rows) => rows.length > 0)
      )
    case "cancelled":
      return sql`UPDATE outbox SET state = 'cancelled', settled_at = ${s.at}, ${mine} RETURNING 1`.pipe(
        Effect.map((rows) => rows.length > 0)
      )
  }
}

/**
 * The outbox writes over `sql`; `transaction` wraps each in one, except that settlements made
 * within a few milliseconds of each other share one (a worker settles its claim's jobs as
 * their sends end: one commit for many instead of one each).
 */
export const makePgOutbox = (
  sql: Sql,
  transaction: <A>(effect: Effect.Effect<A, unknown>) => Effect.Effect<A>
): Pick<OutboxStoreShape, "claim" | "settle" | "retry"> => {
  const vacuum = makeOutboxVacuum(sql)
  const settleSoon = soonBatcher(SETTLE_HOLD_MS, (items: ReadonlyArray<Settling>) =>
    transaction(
      Effect.gen(function* () {
        // The plain "sent" ones (most: a webhook, a push) in one statement, the others one by one.
        const plain = items.filter(isPlainSent)
        const settled =
          plain.length === 0
            ? new Set<string>()
            : new Set(
                (yield* sql`UPDATE outbox j SET state = 'sent', settled_at = v.at, last_error = NULL,
                      lease_owner = NULL, lease_until = NULL
                    FROM unnest(${plain.map(([id]) => id)}::text[], ${plain.map(([, owner]) => owner)}::text[],
                      ${plain.map(([, , s]) => s.at)}::text[]) AS v(id, owner, at)
                    WHERE j.id = v.id AND j.lease_owner = v.owner
                    RETURNING j.id`).map((r) => String(r["id"]))
              )
        const owned: Array<boolean> = []
        for (const item of items)
          owned.push(isPlainSent(item) ? settled.has(item[0]) : yield* settleOne(sql, ...item))
        return owned
      })
    ).pipe(Effect.tap(() => vacuum(items.length)))
  )
  return {
    claim: (kind, now, lease, limit) =>
      transaction(
        sql`UPDATE outbox j SET lease_owner = ${lease.owner}, lease_until = ${lease.until},
          attempts = j.attempts + 1
        FROM (SELECT id FROM outbox WHERE state = 'queued' AND kind = ${kind} AND due_at <= ${now}
            AND (lease_until IS NULL OR lease_until <= ${now})
          ORDER BY due_at LIMIT ${limit} FOR UPDATE SKIP LOCKED) due
        WHERE j.id = due.id
        RETURNING j.id, j.kind, j.app, j.call_id, j.notification_id, j.user_id, j.payload, j.attempts`.pipe(
          Effect.map((rows) => rows.map(outboxJobOf))
        )
      ),
    settle: (id, owner, settlement) => settleSoon([id, owner, settlement]),
    retry: (kind, app, ids, now) =>
      transaction(
        sql`WITH r AS (UPDATE outbox SET state = 'queued', due_at = ${now}, attempts = 0, settled_at = NULL,
          lease_owner = NULL, lease_until = NULL
        WHERE kind = ${kind} AND state = 'failed' AND (${app ?? null}::text IS NULL OR app = ${app ?? null})
          AND (${ids.length === 0}::boolean OR id = ANY(${[...ids]}::text[])) RETURNING 1)
        SELECT COUNT(*) AS n FROM r`.pipe(Effect.map(([r]) => Number(r?.["n"] ?? 0)))
      )
  }
}
