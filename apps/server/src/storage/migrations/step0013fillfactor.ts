/**
 * FROZEN migration step 0013 (PostgreSQL's room for updates in place). A step that has run on
 * a database is never edited: a change is a new step. It imports nothing from the app.
 *
 * Every notification is updated after it is written (delivered, then seen and read), and every
 * user's row on each notify (its `seq`). None of those columns is indexed, so PostgreSQL can
 * write the new version of the row on the same page without touching any index (a HOT update)
 * — when the page has room. Packed full, as PostgreSQL fills them by default, 83% of the
 * deliveries in `bench/peers/stored.mjs` were not HOT: each one added an entry to every index of
 * the notifications and left the old ones behind until vacuum. Pages written from now on keep a
 * fifth free. SQLite updates in place and has no such setting: nothing to do there.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export const fillfactor = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.onDialectOrElse({
    pg: () =>
      Effect.gen(function* () {
        yield* sql`ALTER TABLE notifications SET (fillfactor = 80)`
        yield* sql`ALTER TABLE users SET (fillfactor = 80)`
      }),
    orElse: () => Effect.void
  })
})
