/**
 * FROZEN migration step 0009 (webhooks, PROTOCOL.md §15). A step that has run on a database is
 * never edited: a change is a new step. It imports nothing from the app; its SQL is portable
 * (SQLite and PostgreSQL).
 *
 * `webhook_endpoints`: an app's endpoints. `events` is the subscribed names as text between
 * commas (`,notification.read,user.online,`, or `,*,`), so the one statement that fans an event
 * out to its subscribers is a portable LIKE. `secret` signs; after a rotation `previous_secret`
 * still signs until `previous_until`. `failing_since` is the first failure since the last
 * success (5 days of it disables the endpoint); `disabled_reason` says why an endpoint is off.
 * `webhook_attempts`: each HTTP attempt, for the attempts log and for counting an event's
 * retries (`job_id` is the outbox row). Events to send are outbox rows of kind `webhook`; one
 * user's earlier events of an endpoint are found by `outbox_by_user`.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** Step 0009: webhook endpoints, their attempts, and the outbox index of a user's jobs. */
export const webhooks = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE webhook_endpoints (
    app TEXT NOT NULL,
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT,
    batch INTEGER NOT NULL,
    enabled INTEGER NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    failing_since TEXT,
    disabled_reason TEXT,
    last_status INTEGER,
    last_at TEXT,
    PRIMARY KEY (app, id)
  )`
  yield* sql`CREATE TABLE webhook_attempts (
    app TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    status INTEGER,
    ms INTEGER NOT NULL,
    error TEXT,
    next TEXT
  )`
  yield* sql`CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (app, endpoint_id, at)`
  yield* sql`CREATE INDEX webhook_attempts_by_job ON webhook_attempts (job_id)`
  yield* sql`CREATE INDEX outbox_by_user ON outbox (kind, user_id, state)`
})
