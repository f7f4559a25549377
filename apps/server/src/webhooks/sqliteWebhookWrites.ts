/**
 * Webhooks' write on SQLite, run on the writer thread inside the transaction of what caused the
 * events (a mark, the delivery receipts, an outbox settlement): the app's enabled endpoints that
 * subscribe to the type, and one outbox row per event and endpoint. Nothing is built when no
 * endpoint subscribes (one indexed read), so webhooks cost the write path nothing until used.
 * The sender's own writes (batches, the attempts log) are writer operations too (`writes`), so
 * they share the group commits instead of waiting on the main thread for the writer's lock.
 */
import type { Database } from "better-sqlite3"
import type { MarkKind } from "../inbox/records.js"
import type { Receipt } from "../stream/StreamStore.js"
import { byType, deliveredByApp, markEvents, markType } from "./causes.js"
import { batchMembers } from "./batchMembers.js"
import { type AttemptEffect, type AttemptRecord, WEBHOOK, type WebhookEventRow } from "./WebhookStore.js"

/** Queues events of `type` in `app` inside the caller's transaction; `events` is called only if some endpoint wants them. Answers the rows written. */
export type SqliteQueueWebhooks = (
  app: string,
  type: string,
  events: () => ReadonlyArray<WebhookEventRow>
) => number

/** Prepares webhooks' statements on `db`. */
export const makeSqliteWebhookWrites = (db: Database) => {
  const subscribers = db
    .prepare(`SELECT id FROM webhook_endpoints WHERE app = ? AND enabled = 1
      AND (events = ',*,' OR events LIKE ?)`)
    .pluck()
  const insert = db.prepare(`INSERT INTO outbox (id, kind, app, call_id, notification_id, user_id, payload,
      created_at, due_at, attempts, state) VALUES (?, '${WEBHOOK}', ?, ?, ?, ?, ?, ?, ?, 0, 'queued')`)
  const queueWebhooks: SqliteQueueWebhooks = (app, type, events) => {
    const endpoints = subscribers.all(app, `%,${type},%`) as Array<string>
    if (endpoints.length === 0) return 0
    let n = 0
    for (const e of events()) {
      for (const endpoint of endpoints) {
        insert.run(`${e.id}.${endpoint}`, app, e.call, e.notification, e.user, e.body, e.at, e.at)
        n++
      }
    }
    return n
  }
  const sends = {
    leaseOwner: db.prepare("SELECT lease_owner FROM outbox WHERE id = ?").pluck(),
    candidates: db.prepare(`SELECT id, user_id, due_at, lease_owner, lease_until, last_error FROM outbox
      WHERE kind = '${WEBHOOK}' AND app = ? AND state = 'queued' AND id LIKE ? AND id <> ? ORDER BY id LIMIT ?`),
    take: db.prepare(`UPDATE outbox SET lease_owner = @batch, lease_until = @until
      WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'queued'
        AND (lease_until IS NULL OR lease_until <= @now OR lease_owner = @owner)
      RETURNING id, user_id, payload`),
    letGo: db.prepare("UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?"),
    sent: db.prepare(`UPDATE outbox SET state = 'sent', settled_at = ?, lease_owner = NULL, lease_until = NULL
      WHERE lease_owner = ?`),
    attempt:
      db.prepare(`INSERT INTO webhook_attempts (app, endpoint_id, job_id, event_id, type, at, status, ms,
      error, next) VALUES (@app, @endpointId, @jobId, @eventId, @type, @at, @status, @ms, @error, @next)`),
    ok: db.prepare(`UPDATE webhook_endpoints SET last_status = @status, last_at = @at, failing_since = NULL
      WHERE app = @app AND id = @endpointId`),
    failing: db.prepare(`UPDATE webhook_endpoints SET last_status = @status, last_at = @at,
      failing_since = COALESCE(failing_since, @at) WHERE app = @app AND id = @endpointId`),
    offSince:
      db.prepare(`UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'failing since ' || failing_since
      WHERE app = ? AND id = ? AND enabled = 1 AND failing_since <= ? RETURNING id`),
    off: db.prepare(`UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?
      WHERE app = ? AND id = ? AND enabled = 1 RETURNING id`)
  }
  return {
    queueWebhooks,
    /** The sender's writer operations (WebhookStore.ts `WebhookSends` says what each does). */
    writes: {
      takeWebhookBatch: (
        app: string,
        endpointId: string,
        leader: string,
        now: string,
        until: string,
        max: number
      ) => {
        const owner = (sends.leaseOwner.get(leader) as string | null | undefined) ?? ""
        const rows = sends.candidates.all(app, `%.${endpointId}`, leader, max * 2) as Array<
          Record<string, unknown>
        >
        const ids = batchMembers(rows, owner, now, max)
        if (ids.length === 0) return []
        const taken = sends.take.all({
          batch: `batch:${leader}`,
          until,
          ids: JSON.stringify(ids),
          now,
          owner
        }) as Array<Record<string, unknown>>
        return taken
          .map((r) => ({
            id: String(r["id"]),
            userId: r["user_id"] === null ? null : String(r["user_id"]),
            payload: String(r["payload"])
          }))
          .sort((a, b) => (a.id < b.id ? -1 : 1))
      },
      settleWebhookBatch: (leader: string, at: string | undefined): void => {
        if (at === undefined) sends.letGo.run(`batch:${leader}`)
        else sends.sent.run(at, `batch:${leader}`)
      },
      recordWebhookAttempt: (a: AttemptRecord, effect: AttemptEffect): boolean => {
        sends.attempt.run(a)
        const where = { app: a.app, endpointId: a.endpointId, status: a.status, at: a.at }
        if (effect.success) {
          sends.ok.run(where)
          return false
        }
        sends.failing.run(where)
        const off =
          effect.disable === undefined
            ? sends.offSince.all(a.app, a.endpointId, effect.failingBefore)
            : sends.off.all(effect.disable, a.app, a.endpointId)
        return off.length > 0
      }
    },
    /** A mark's events (`rows`: `[id, seq, callId]` in seq order); answers the rows queued. */
    marked: (
      app: string,
      user: string,
      kind: MarkKind,
      rows: ReadonlyArray<readonly [string, number, string | null]>,
      now: string
    ): number => queueWebhooks(app, markType(kind), () => markEvents(app, user, kind, rows, now)),
    /** The events of first deliveries. */
    delivered: (receipts: ReadonlyArray<Receipt>): void => {
      for (const [app, events] of deliveredByApp(receipts))
        queueWebhooks(app, "notification.delivered", events)
    },
    /** Events a settlement carries (any types). */
    settled: (app: string, events: ReadonlyArray<WebhookEventRow>): void => {
      for (const [type, rows] of byType(events)) queueWebhooks(app, type, () => rows)
    }
  }
}

/** Webhooks' writes on the SQLite writer thread. */
export type SqliteWebhookWrites = ReturnType<typeof makeSqliteWebhookWrites>
