/**
 * Push's writes on PostgreSQL (PushStore.ts), with the semantics of sqlitePushWrites.ts, each
 * one transaction on the pool: the VAPID keys kept by the first node (the others read them),
 * a user's subscriptions stored, moved, trimmed and removed.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { PushStoreShape, VapidKeys } from "./PushStore.js"
import { VAPID_KEYS_SETTING } from "./sqlitePushWrites.js"

/** Push's writes over `sql`; `transaction` wraps each in one. */
export const makePgPushWrites = (
  sql: SqlClient.SqlClient,
  transaction: <A>(effect: Effect.Effect<A, unknown>) => Effect.Effect<A>
): Pick<PushStoreShape, "keepKeys" | "subscribe" | "unsubscribe" | "forget"> => ({
  keepKeys: (fresh) =>
    transaction(
      Effect.gen(function* () {
        yield* sql`INSERT INTO settings (key, value) VALUES (${VAPID_KEYS_SETTING}, ${JSON.stringify(fresh)})
          ON CONFLICT (key) DO NOTHING`
        const [row] = yield* sql`SELECT value FROM settings WHERE key = ${VAPID_KEYS_SETTING}`
        return JSON.parse(String(row?.["value"])) as VapidKeys
      })
    ),
  subscribe: (app, user, id, sub, now, max) =>
    transaction(
      Effect.gen(function* () {
        const [row] = yield* sql`INSERT INTO push_subscriptions (app, id, user_id, endpoint, p256dh, auth,
            expiration_time, user_agent, created_at, updated_at)
          VALUES (${app}, ${id}, ${user}, ${sub.endpoint}, ${sub.p256dh}, ${sub.auth}, ${sub.expirationTime},
            ${sub.userAgent}, ${now}, ${now})
          ON CONFLICT (app, endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh,
            auth = excluded.auth, expiration_time = excluded.expiration_time, user_agent = excluded.user_agent,
            updated_at = excluded.updated_at
          RETURNING id`
        yield* sql`DELETE FROM push_subscriptions WHERE app = ${app} AND user_id = ${user} AND id NOT IN (
            SELECT id FROM push_subscriptions WHERE app = ${app} AND user_id = ${user}
            ORDER BY created_at DESC, id DESC LIMIT ${max})`
        return String(row?.["id"])
      })
    ),
  unsubscribe: (app, user, id) =>
    transaction(
      sql`DELETE FROM push_subscriptions WHERE app = ${app} AND user_id = ${user} AND id = ${id} RETURNING 1`.pipe(
        Effect.map((rows) => rows.length > 0)
      )
    ),
  forget: (app, id) =>
    transaction(sql`DELETE FROM push_subscriptions WHERE app = ${app} AND id = ${id}`.pipe(Effect.asVoid))
})
