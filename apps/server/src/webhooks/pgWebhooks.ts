/**
 * Webhooks' write on PostgreSQL, with the semantics of sqliteWebhookWrites.ts: inside the
 * transaction of what caused the events, the app's enabled endpoints that subscribe to the type
 * and one outbox row per event and endpoint, in one statement; nothing is built when no
 * endpoint subscribes.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { MarkKind } from "../inbox/records.js"
import type { Receipt } from "../stream/StreamStore.js"
import { byType, deliveredByApp, markEvents, markType } from "./causes.js"
import { WEBHOOK, type WebhookEventRow } from "./WebhookStore.js"

/** Queues events of `type` in `app` over `sql` (inside the caller's transaction); answers the rows written. */
export const pgQueueWebhooks =
  (sql: SqlClient.SqlClient) => (app: string, type: string, events: () => ReadonlyArray<WebhookEventRow>) =>
    Effect.gen(function* () {
      const endpoints = yield* sql`SELECT id FROM webhook_endpoints WHERE app = ${app} AND enabled = 1
        AND (events = ',*,' OR events LIKE ${`%,${type},%`})`
      if (endpoints.length === 0) return 0
      const rows = events()
      if (rows.length === 0) return 0
      const written =
        yield* sql`INSERT INTO outbox (id, kind, app, call_id, notification_id, user_id, payload,
          created_at, due_at, attempts, state)
        SELECT v.id || '.' || e.id, ${WEBHOOK}, ${app}, v.call_id, v.notification_id, v.user_id, v.body, v.at,
          v.at, 0, 'queued'
        FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.call)}::text[],
            ${rows.map((r) => r.notification)}::text[], ${rows.map((r) => r.user)}::text[],
            ${rows.map((r) => r.body)}::text[], ${rows.map((r) => r.at)}::text[])
          AS v(id, call_id, notification_id, user_id, body, at)
        CROSS JOIN (SELECT unnest(${endpoints.map((r) => String(r["id"]))}::text[]) AS id) e
        RETURNING 1`
      return written.length
    })

/** Webhooks' writes over `sql`, each inside the caller's transaction (as the SQLite ones). */
export const makePgWebhookWrites = (sql: SqlClient.SqlClient) => {
  const queue = pgQueueWebhooks(sql)
  return {
    /** A mark's events (`rows`: `[id, seq, callId]` in seq order); answers the rows queued. */
    marked: (
      app: string,
      user: string,
      kind: MarkKind,
      rows: ReadonlyArray<readonly [string, number, string | null]>,
      now: string
    ) => queue(app, markType(kind), () => markEvents(app, user, kind, rows, now)),
    /** The events of first deliveries. */
    delivered: (receipts: ReadonlyArray<Receipt>) =>
      Effect.forEach(
        deliveredByApp(receipts),
        ([app, events]) => queue(app, "notification.delivered", events),
        {
          discard: true
        }
      ),
    /** Events a settlement carries (any types). */
    settled: (app: string, events: ReadonlyArray<WebhookEventRow>) =>
      Effect.forEach(byType(events), ([type, rows]) => queue(app, type, () => rows), { discard: true })
  }
}
