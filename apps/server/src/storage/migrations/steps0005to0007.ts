/**
 * FROZEN migration steps 0005–0007 (the email outbox, statistics, one outbox for every kind).
 * A step that has run on a database is never edited: a change is a new step. They import
 * nothing from the app. SQL is portable (SQLite and PostgreSQL).
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The email outbox (PROTOCOL.md §7): one row per message to send, written in the notify call's
 * own transaction, so a 2xx means the email will be attempted. `notification_id` and `user_id`
 * name the one recipient of a per-recipient job and are null for a call's `bcc` job;
 * `recipients` is a JSON array of `{user, notification, email}`. `recheck` = 1 (a delayed `send`)
 * drops, at send time, the recipients who have seen or deleted theirs. A node sending a job
 * holds it until `lease_until`; `state` is queued, sent, failed, or cancelled (nobody left to
 * mail). The call keeps how many recipients had no address (`emails_skipped`), and its
 * recipients are found by call (`notifications_by_call`).
 */
export const email = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE email_jobs (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    call_id TEXT NOT NULL,
    notification_id TEXT,
    user_id TEXT,
    recipients TEXT NOT NULL,
    recheck INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until TEXT,
    state TEXT NOT NULL,
    last_error TEXT,
    sent_at TEXT,
    failed_at TEXT
  )`
  yield* sql`CREATE INDEX email_jobs_due ON email_jobs (state, due_at)`
  yield* sql`CREATE INDEX email_jobs_by_call ON email_jobs (app, call_id)`
  yield* sql`ALTER TABLE notify_calls ADD COLUMN emails_skipped INTEGER NOT NULL DEFAULT 0`
  // `GET /v1/notify/{callId}` pages through one call's recipients.
  yield* sql`CREATE INDEX notifications_by_call ON notifications (app, call_id)`
})

/**
 * Statistics (PROTOCOL.md §8): each notification's `delivered_at` (its first write to a
 * session), and per-app time buckets of what happened — a row per app, grain (minute, hour,
 * day), bucket start and writer `shard`, bumped in the same transaction as the change it
 * counts, so the counts are exact after a crash. The shard is the writing connection (one on
 * SQLite; the backend's pid on PostgreSQL), so no two transactions ever wait on one row:
 * a series sums the shards.
 */
export const stats = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE notifications ADD COLUMN delivered_at TEXT`
  yield* sql`CREATE TABLE stats_buckets (
    app TEXT NOT NULL,
    grain TEXT NOT NULL,
    t TEXT NOT NULL,
    shard INTEGER NOT NULL,
    notifications INTEGER NOT NULL DEFAULT 0,
    delivered INTEGER NOT NULL DEFAULT 0,
    seen INTEGER NOT NULL DEFAULT 0,
    read_count INTEGER NOT NULL DEFAULT 0,
    emails INTEGER NOT NULL DEFAULT 0,
    emails_failed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app, grain, t, shard)
  )`
  yield* sql`CREATE INDEX stats_buckets_by_time ON stats_buckets (grain, t)`
  // What happened before the upgrade, rebuilt from the rows: a notification seen or read was
  // delivered (at the first of those times); calls count their recipients, even deleted ones.
  yield* sql`UPDATE notifications SET delivered_at = COALESCE(seen_at, read_at)
    WHERE seen_at IS NOT NULL OR read_at IS NOT NULL`
  const sources = [
    ["notifications", "SUM(recipients)", "notify_calls", "created_at"],
    ["delivered", "COUNT(*)", "notifications", "delivered_at"],
    ["seen", "COUNT(*)", "notifications", "seen_at"],
    ["read_count", "COUNT(*)", "notifications", "read_at"]
  ] as const
  const grains = [
    ["minute", 16, ":00.000Z"],
    ["hour", 13, ":00:00.000Z"],
    ["day", 10, "T00:00:00.000Z"]
  ] as const
  for (const [column, count, table, time] of sources) {
    for (const [grain, length, rest] of grains) {
      const t = sql.unsafe(`substr(${time}, 1, ${length}) || '${rest}'`)
      yield* sql`INSERT INTO stats_buckets (app, grain, t, shard, ${sql(column)})
        SELECT app, ${grain}, ${t}, 0, ${sql.unsafe(count)} FROM ${sql(table)}
        WHERE ${sql(time)} IS NOT NULL GROUP BY app, ${t}
        ON CONFLICT (app, grain, t, shard) DO UPDATE SET ${sql(column)} = excluded.${sql(column)}`
    }
  }
})

/**
 * One outbox for every kind of message a cause sends later (issue 21; PROTOCOL.md §7, §14,
 * §15): `email_jobs` becomes `outbox`, one row per job of any `kind` ('email' first), written in
 * its cause's transaction. The cause is `app` with `call_id`, `notification_id` and `user_id`
 * (each null when the job has none); `payload` is the kind's JSON (email: `{"recipients":
 * [{user, notification, email}], "recheck": bool}`). A node sending a job holds it until
 * `lease_until` as `lease_owner`; `due_at` is the next attempt; `state` is queued, sent, failed
 * or cancelled, `settled_at` when it became one of the last three; `last_error` is the last
 * attempt's error. Every email job is carried over as it was, queued and leased ones included.
 */
export const outbox = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    app TEXT NOT NULL,
    call_id TEXT,
    notification_id TEXT,
    user_id TEXT,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until TEXT,
    state TEXT NOT NULL,
    last_error TEXT,
    settled_at TEXT
  )`
  yield* sql`INSERT INTO outbox (id, kind, app, call_id, notification_id, user_id, payload, created_at,
      due_at, attempts, lease_owner, lease_until, state, last_error, settled_at)
    SELECT id, 'email', app, call_id, notification_id, user_id,
      '{"recipients":' || recipients || ',"recheck":' || CASE WHEN recheck = 1 THEN 'true' ELSE 'false' END
        || '}',
      created_at, due_at, attempts, NULL, lease_until, state, last_error, COALESCE(sent_at, failed_at)
    FROM email_jobs`
  yield* sql`DROP TABLE email_jobs`
  yield* sql`CREATE INDEX outbox_due ON outbox (state, due_at)`
  yield* sql`CREATE INDEX outbox_by_call ON outbox (app, call_id)`
})
