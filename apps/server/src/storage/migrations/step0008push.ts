/**
 * FROZEN migration step 0008 (Web Push, PROTOCOL.md §14). A step that has run on a database
 * is never edited: a change is a new step. It imports nothing from the app; SQL is portable.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Web Push: `push_subscriptions` holds each user's browsers (one row per endpoint of an app; the
 * same endpoint subscribed again moves to that user), with the RFC 8291 keys (`p256dh`, `auth`)
 * the payloads are encrypted for. A notify call keeps its `push` block (JSON text) and how many
 * recipients would have been pushed to but had no subscription (`pushes_skipped`); preferences
 * gain `push` (on by default); statistics buckets count pushes sent and failed. The cluster's
 * VAPID key pair is a `settings` row (`vapid_keys`), written by the first node that starts.
 * Push jobs are outbox rows of kind `push`.
 */
export const push = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE push_subscriptions (
    app TEXT NOT NULL,
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    expiration_time BIGINT,
    user_agent TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (app, id)
  )`
  yield* sql`CREATE UNIQUE INDEX push_subscriptions_endpoint ON push_subscriptions (app, endpoint)`
  yield* sql`CREATE INDEX push_subscriptions_by_user ON push_subscriptions (app, user_id, created_at)`
  yield* sql`ALTER TABLE notify_calls ADD COLUMN push TEXT`
  yield* sql`ALTER TABLE notify_calls ADD COLUMN pushes_skipped INTEGER NOT NULL DEFAULT 0`
  yield* sql`ALTER TABLE preferences ADD COLUMN push INTEGER NOT NULL DEFAULT 1`
  yield* sql`ALTER TABLE stats_buckets ADD COLUMN pushes INTEGER NOT NULL DEFAULT 0`
  yield* sql`ALTER TABLE stats_buckets ADD COLUMN pushes_failed INTEGER NOT NULL DEFAULT 0`
})
