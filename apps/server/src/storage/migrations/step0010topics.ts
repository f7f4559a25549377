/**
 * FROZEN migration step 0010 (topics, PROTOCOL.md §11). A step that has run on a database is
 * never edited: a change is a new step. It imports nothing from the app; SQL is portable.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Topics: `topics` are an app's named sets of users, `topic_subscribers` who follows each (a
 * user's topics found by `topic_subscribers_by_user`), `topic_mutes` the topics a user turned
 * off in-app. A notification keeps the `topic` through which its user was reached (null when
 * the call named them).
 */
export const topics = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE topics (
    app TEXT NOT NULL,
    key TEXT NOT NULL,
    name TEXT,
    self_subscribe INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (app, key)
  )`
  yield* sql`CREATE TABLE topic_subscribers (
    app TEXT NOT NULL,
    topic TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (app, topic, user_id)
  )`
  yield* sql`CREATE INDEX topic_subscribers_by_user ON topic_subscribers (app, user_id)`
  yield* sql`CREATE TABLE topic_mutes (
    app TEXT NOT NULL,
    user_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    PRIMARY KEY (app, user_id, topic)
  )`
  yield* sql`ALTER TABLE notifications ADD COLUMN topic TEXT`
})
