/**
 * Webhooks' write on SQLite, run on the writer thread inside the transaction of what caused the
 * events (a mark, the delivery receipts, an outbox settlement): the app's enabled endpoints that
 * subscribe to the type, and one outbox row per event and endpoint. Nothing is built when no
 * endpoint subscribes (one indexed read), so webhooks cost the write path nothing until used.
 */
import type { Database } from "better-sqlite3"
import type { MarkKind } from "../inbox/records.js"
import type { Receipt } from "../stream/StreamStore.js"
import { byType, deliveredByApp, markEvents, markType } from "./causes.js"
import { WEBHOOK, type WebhookEventRow } from "./WebhookStore.js"

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
  return {
    queueWebhooks,
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
