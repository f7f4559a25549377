/**
 * The one migration set for every Store backend. SQL here is kept portable (SQLite and
 * PostgreSQL): TEXT ids and ISO timestamps, INTEGER flags, JSON stored as TEXT.
 */
import { Migrator, SqlClient } from "@effect/sql"
import { Effect } from "effect"

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

/** Every migration, by `NNNN_name`. */
export const migrations = Migrator.fromRecord({ "0001_init": init })

/** Runs pending migrations with any SqlClient (no schema dump, no extra services). */
export const runMigrations = Migrator.make({})({ loader: migrations, table: "pushback_migrations" })
