/**
 * The one migration set for every Store backend. SQL here is kept portable (SQLite and
 * PostgreSQL): TEXT ids and ISO timestamps, INTEGER flags, JSON stored as TEXT.
 */
import { Migrator, SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { encodeShared, type SharedNotification } from "../../notify/Encode.js"

const init = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL
  )`
  yield* sql`CREATE TABLE users (
    app TEXT NOT NULL,
    id TEXT NOT NULL,
    email TEXT,
    name TEXT,
    created_at TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app, id)
  )`
  yield* sql`CREATE TABLE event_types (
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (app, name)
  )`
  yield* sql`CREATE TABLE preferences (
    app TEXT NOT NULL,
    user_id TEXT NOT NULL,
    type TEXT NOT NULL,
    in_app INTEGER NOT NULL,
    email INTEGER NOT NULL,
    PRIMARY KEY (app, user_id, type)
  )`
  yield* sql`CREATE TABLE notify_calls (
    app TEXT NOT NULL,
    id TEXT NOT NULL,
    email TEXT,
    recipients INTEGER NOT NULL,
    online INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (app, id)
  )`
  yield* sql`CREATE TABLE notifications (
    app TEXT NOT NULL,
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT,
    title TEXT,
    content TEXT NOT NULL,
    url TEXT,
    icon TEXT,
    image TEXT,
    data TEXT,
    created_at TEXT NOT NULL,
    seen_at TEXT,
    read_at TEXT,
    PRIMARY KEY (app, id)
  )`
  yield* sql`CREATE INDEX notifications_by_user ON notifications (app, user_id, seq)`
  yield* sql`CREATE TABLE entries (
    app TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (app, user_id, seq)
  )`
  yield* sql`CREATE INDEX entries_by_time ON entries (created_at)`
  yield* sql`CREATE TABLE idempotency_keys (
    app TEXT NOT NULL,
    key TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (app, key)
  )`
  yield* sql`CREATE TABLE app_counters (
    app TEXT PRIMARY KEY,
    delivered INTEGER NOT NULL DEFAULT 0
  )`
})

/**
 * The write-path schema (issue 10): the part of a notification every recipient shares is
 * stored once, on its call (`notify_calls`), with its encoded form (`shared`); each recipient
 * row keeps only its own id, user, seq and states, and a `notification` stream entry only
 * points at its call (its frame is derived on read). Idempotency keys keep the body's hash
 * (a reuse with another body is 409). Delivered counts are derived from the calls (no hot
 * row per app). `catalog_version` moves with every change of apps or event types, so the
 * in-memory catalog of every process sharing the file can tell when to reload.
 * Existing data is carried over: old entries keep their payload as they are.
 */
/** The shared fields of a call from a row with the columns of `notify_calls` (author null when absent). */
const sharedFieldsOf = (c: Record<string, unknown>): SharedNotification => ({
  type: c["type"] as string | null,
  title: c["title"] as string | null,
  content: String(c["content"]),
  url: c["url"] as string | null,
  icon: c["icon"] as string | null,
  image: c["image"] as string | null,
  data: c["data"] as string | null,
  author: (c["author"] as string | null | undefined) ?? null,
  createdAt: String(c["created_at"])
})

const sharedContent = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [n] = yield* sql`SELECT COUNT(*) AS n FROM notifications`
  if (Number(n?.["n"]) > 0) {
    console.log(`[pushback] migrating ${n?.["n"]} notifications to one stored copy per call (0002)…`)
  }
  for (const column of ["type", "title", "content", "url", "icon", "image", "data", "shared"]) {
    yield* sql`ALTER TABLE notify_calls ADD COLUMN ${sql(column)} TEXT`
  }
  const calls = yield* sql`SELECT n.app, n.call_id, n.type, n.title, n.content, n.url, n.icon, n.image,
      n.data, n.created_at
    FROM notifications n
    WHERE n.id = (SELECT MIN(m.id) FROM notifications m WHERE m.app = n.app AND m.call_id = n.call_id)`
  for (const c of calls) {
    const fields = sharedFieldsOf(c)
    yield* sql`UPDATE notify_calls SET type = ${fields.type}, title = ${fields.title},
        content = ${fields.content}, url = ${fields.url}, icon = ${fields.icon}, image = ${fields.image},
        data = ${fields.data}, shared = ${encodeShared(fields)}
      WHERE app = ${String(c["app"])} AND id = ${String(c["call_id"])}`
  }
  yield* sql`CREATE TABLE notifications_v2 (
    app TEXT NOT NULL,
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    seen_at TEXT,
    read_at TEXT,
    PRIMARY KEY (app, id)
  )`
  yield* sql`INSERT INTO notifications_v2 (app, id, user_id, call_id, seq, created_at, seen_at, read_at)
    SELECT app, id, user_id, call_id, seq, created_at, seen_at, read_at FROM notifications`
  yield* sql`DROP TABLE notifications`
  yield* sql`ALTER TABLE notifications_v2 RENAME TO notifications`
  yield* sql`CREATE INDEX notifications_by_user ON notifications (app, user_id, seq)`
  yield* sql`CREATE TABLE entries_v2 (
    app TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    payload TEXT,
    call_id TEXT,
    ntf_id TEXT,
    PRIMARY KEY (app, user_id, seq)
  )`
  yield* sql`INSERT INTO entries_v2 (app, user_id, seq, created_at, payload)
    SELECT app, user_id, seq, created_at, payload FROM entries`
  yield* sql`DROP TABLE entries`
  yield* sql`ALTER TABLE entries_v2 RENAME TO entries`
  yield* sql`CREATE INDEX entries_by_time ON entries (created_at)`
  yield* sql`ALTER TABLE idempotency_keys ADD COLUMN body_hash TEXT`
  yield* sql`DROP TABLE app_counters`
  yield* sql`CREATE TABLE catalog_version (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)`
  yield* sql`INSERT INTO catalog_version (id, version) VALUES (1, 0)`
})

/**
 * Settings a database shared by several nodes keeps for all of them (PROTOCOL.md §6): with
 * PostgreSQL the generated admin token lives here, never in a per-node file. SQLite keeps its
 * token beside the database file and leaves the table empty.
 */
const settings = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`
})

/**
 * `author` on notify and Notification (PROTOCOL.md §9): a column of the call, and every stored
 * call's encoded shared part made again so that frames replayed from older calls carry
 * `"author": null` like new ones.
 */
const author = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE notify_calls ADD COLUMN author TEXT`
  const calls = yield* sql`SELECT app, id, type, title, content, url, icon, image, data, created_at
    FROM notify_calls WHERE shared IS NOT NULL`
  for (const c of calls) {
    yield* sql`UPDATE notify_calls SET shared = ${encodeShared(sharedFieldsOf(c))}
      WHERE app = ${String(c["app"])} AND id = ${String(c["id"])}`
  }
})

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
const email = Effect.gen(function* () {
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
const stats = Effect.gen(function* () {
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

/** Every migration step, by `NNNN_name` (a test builds an old database from the first ones). */
export const migrationSteps = {
  "0001_init": init,
  "0002_shared_content": sharedContent,
  "0003_settings": settings,
  "0004_author": author,
  "0005_email": email,
  "0006_stats": stats
}

/** Every migration, in order. */
export const migrations = Migrator.fromRecord(migrationSteps)

/** Runs pending migrations with any SqlClient (no schema dump, no extra services). */
export const runMigrations = Migrator.make({})({ loader: migrations, table: "pushback_migrations" })
