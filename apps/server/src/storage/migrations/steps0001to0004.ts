/**
 * FROZEN migration steps 0001–0004 (the first schema, one stored copy per call, settings,
 * `author`). A step that has run on a database is never edited: a change is a new step. They
 * import nothing from the app (the encoding they write is frozenEncode.ts). SQL is portable
 * (SQLite and PostgreSQL): TEXT ids and ISO timestamps, INTEGER flags, JSON stored as TEXT.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { frozenEncodeShared, frozenSharedFieldsOf } from "./frozenEncode.js"

/** 0001_init: the first schema. */
export const init = Effect.gen(function* () {
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
export const sharedContent = Effect.gen(function* () {
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
    const fields = frozenSharedFieldsOf(c)
    yield* sql`UPDATE notify_calls SET type = ${fields.type}, title = ${fields.title},
        content = ${fields.content}, url = ${fields.url}, icon = ${fields.icon}, image = ${fields.image},
        data = ${fields.data}, shared = ${frozenEncodeShared(fields)}
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
export const settings = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`
})

/**
 * `author` on notify and Notification (PROTOCOL.md §9): a column of the call, and every stored
 * call's encoded shared part made again so that frames replayed from older calls carry
 * `"author": null` like new ones.
 */
export const author = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE notify_calls ADD COLUMN author TEXT`
  const calls = yield* sql`SELECT app, id, type, title, content, url, icon, image, data, created_at
    FROM notify_calls WHERE shared IS NOT NULL`
  for (const c of calls) {
    yield* sql`UPDATE notify_calls SET shared = ${frozenEncodeShared(frozenSharedFieldsOf(c))}
      WHERE app = ${String(c["app"])} AND id = ${String(c["id"])}`
  }
})
