/**
 * FROZEN migration step 0011 (channels, PROTOCOL.md §12). A step that has run on a database is
 * never edited: a change is a new step. It imports nothing from the app; SQL is portable.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * Channel namespaces: an app's namespaces and their options (a JSON object of `public`,
 * `presence`, `joinLeave`, `clientPublish` and `history`), `name` '' for the default one.
 * Channels themselves are not stored: publications, history and presence live in the bus.
 */
export const channels = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE channel_namespaces (
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    options TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (app, name)
  )`
})
