/**
 * FROZEN migration step 0012 (conversations, PROTOCOL.md §13). A step that has run on a
 * database is never edited: a change is a new step. It imports nothing from the app; SQL is
 * portable.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Conversations: `conversations` (its `last_seq` is the seq of its latest message, taken under
 * the row's lock), `conversation_members` (how far each read, `last_read_seq`; `away_seq`, the
 * first message of a pending away notification, null when none is pending), `messages` (one
 * per conversation and `seq`; a user's `client_id` is unique per conversation), and
 * `conversation_settings` (per app: `notify_after` seconds).
 */
export const conversations = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE conversations (
    app TEXT NOT NULL,
    id TEXT NOT NULL,
    title TEXT,
    data TEXT,
    created_at TEXT NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_activity TEXT NOT NULL,
    PRIMARY KEY (app, id)
  )`
  yield* sql`CREATE INDEX conversations_by_activity ON conversations (app, last_activity)`
  yield* sql`CREATE TABLE conversation_members (
    app TEXT NOT NULL,
    conversation TEXT NOT NULL,
    user_id TEXT NOT NULL,
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    away_seq INTEGER,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (app, conversation, user_id)
  )`
  yield* sql`CREATE INDEX conversation_members_by_user ON conversation_members (app, user_id)`
  yield* sql`CREATE TABLE messages (
    app TEXT NOT NULL,
    conversation TEXT NOT NULL,
    seq INTEGER NOT NULL,
    author TEXT,
    text TEXT NOT NULL,
    data TEXT,
    client_id TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (app, conversation, seq)
  )`
  yield* sql`CREATE UNIQUE INDEX messages_by_client_id ON messages (app, conversation, author, client_id)
    WHERE client_id IS NOT NULL`
  yield* sql`CREATE TABLE conversation_settings (
    app TEXT NOT NULL PRIMARY KEY,
    notify_after INTEGER NOT NULL
  )`
})
