/**
 * The outbox's writes on SQLite (OutboxStore.ts), run on the writer thread like every other
 * write (storage/sqlite/sqliteWrites.ts), over statements prepared once: a cause's jobs inside
 * its own transaction (`enqueue`), the worker's claims and settlements, the operator's retry,
 * and the pruning of jobs done long ago. A job sent or failed adds what its sender counts to
 * its app's statistics buckets in the same transaction.
 */
import type { Database } from "better-sqlite3"
import type { SqliteStatsBump } from "../stats/sqliteBuckets.js"
import type { WebhookEventRow } from "../webhooks/WebhookStore.js"
import { type Lease, type OutboxJob, type OutboxRow, outboxJobOf, type Settlement } from "./OutboxStore.js"

/** Writes jobs inside the caller's transaction; `app` and `createdAt` are their cause's. */
export type SqliteEnqueue = (app: string, createdAt: string, rows: ReadonlyArray<OutboxRow>) => void

/** Only the lease's owner settles a job; the lease is let go. */
const SETTLE_TAIL = "lease_owner = NULL, lease_until = NULL WHERE id = @id AND lease_owner = @owner"

/**
 * Prepares the outbox statements on `db` (`bumpStats` counts what a settlement says;
 * `queueEvents` writes the webhook events it carries).
 */
export const makeSqliteOutbox = (
  db: Database,
  bumpStats: SqliteStatsBump,
  queueEvents: (app: string, events: ReadonlyArray<WebhookEventRow>) => void = () => undefined
) => {
  const prepare = (text: string) => db.prepare(text)
  const st = {
    insert: prepare(`INSERT INTO outbox (id, kind, app, call_id, notification_id, user_id, payload,
        created_at, due_at, attempts, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'queued')`),
    claim: prepare(`UPDATE outbox SET lease_owner = @owner, lease_until = @until, attempts = attempts + 1
      WHERE id IN (SELECT id FROM outbox WHERE state = 'queued' AND kind = @kind AND due_at <= @now
        AND (lease_until IS NULL OR lease_until <= @now) ORDER BY due_at LIMIT @limit)
      RETURNING id, kind, app, call_id, notification_id, user_id, payload, attempts`),
    sent: prepare(`UPDATE outbox SET state = 'sent', settled_at = @at, payload = COALESCE(@payload, payload),
      last_error = NULL, ${SETTLE_TAIL} RETURNING app`).pluck(),
    failed: prepare(
      `UPDATE outbox SET state = 'failed', settled_at = @at, last_error = @error, ${SETTLE_TAIL} RETURNING app`
    ).pluck(),
    later: prepare(`UPDATE outbox SET due_at = @dueAt, last_error = @error, ${SETTLE_TAIL}`),
    cancelled: prepare(`UPDATE outbox SET state = 'cancelled', settled_at = @at, ${SETTLE_TAIL}`),
    retryIds: prepare(`UPDATE outbox SET state = 'queued', due_at = @now, attempts = 0, settled_at = NULL,
      lease_owner = NULL, lease_until = NULL WHERE kind = @kind AND state = 'failed'
        AND (@app IS NULL OR app = @app) AND id IN (SELECT value FROM json_each(@ids))`),
    retryAll: prepare(`UPDATE outbox SET state = 'queued', due_at = @now, attempts = 0, settled_at = NULL,
      lease_owner = NULL, lease_until = NULL WHERE kind = @kind AND state = 'failed'
        AND (@app IS NULL OR app = @app)`),
    prune: prepare("DELETE FROM outbox WHERE state IN ('sent', 'failed', 'cancelled') AND due_at < ?")
  }

  const enqueue: SqliteEnqueue = (app, createdAt, rows) => {
    for (const r of rows) {
      st.insert.run(r.id, r.kind, app, r.callId, r.notificationId, r.userId, r.payload, createdAt, r.dueAt)
    }
  }

  return {
    enqueue,
    /** Drops jobs done (sent, failed, cancelled) and due before `before` (retention). */
    prune: (before: string) => {
      st.prune.run(before)
    },
    /** The writer-thread operations of the outbox (OutboxStore.ts says what each does). */
    writes: {
      claimOutbox: (kind: string, now: string, lease: Lease, limit: number): Array<OutboxJob> =>
        (
          st.claim.all({ kind, now, owner: lease.owner, until: lease.until, limit }) as Array<
            Record<string, unknown>
          >
        ).map(outboxJobOf),

      settleOutbox: (id: string, owner: string, s: Settlement): boolean => {
        switch (s.state) {
          case "sent": {
            const app = st.sent.get({ id, owner, at: s.at, payload: s.payload ?? null }) as string | undefined
            if (app !== undefined && s.stats !== undefined) bumpStats(app, s.at, s.stats)
            if (app !== undefined && s.events !== undefined) queueEvents(app, s.events)
            return app !== undefined
          }
          case "failed": {
            const app = st.failed.get({ id, owner, at: s.at, error: s.error }) as string | undefined
            if (app !== undefined && s.stats !== undefined) bumpStats(app, s.at, s.stats)
            if (app !== undefined && s.events !== undefined) queueEvents(app, s.events)
            return app !== undefined
          }
          case "retry":
            return st.later.run({ id, owner, dueAt: s.dueAt, error: s.error }).changes > 0
          case "cancelled":
            return st.cancelled.run({ id, owner, at: s.at }).changes > 0
        }
      },

      retryOutbox: (kind: string, app: string | undefined, ids: ReadonlyArray<string>, now: string): number =>
        (ids.length === 0
          ? st.retryAll.run({ kind, now, app: app ?? null })
          : st.retryIds.run({ kind, now, app: app ?? null, ids: JSON.stringify(ids) })
        ).changes
    }
  }
}
