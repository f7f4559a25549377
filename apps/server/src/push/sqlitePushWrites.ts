/**
 * Push's writes on SQLite (PushStore.ts), plain synchronous functions over statements prepared
 * once, as every SQLite write is (storage/sqlite/sqliteWrites.ts): keeping the cluster's VAPID
 * keys, a user's subscriptions stored, moved, trimmed and removed.
 */
import type { Database } from "better-sqlite3"
import type { SubscriptionInput, VapidKeys } from "./PushStore.js"

/** The `settings` row that keeps the VAPID key pair (JSON). */
export const VAPID_KEYS_SETTING = "vapid_keys"

/** Prepares push's write statements on `db`. */
export const makeSqlitePushWrites = (db: Database) => {
  const prepare = (text: string) => db.prepare(text)
  const st = {
    keepKeys: prepare("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"),
    readKeys: prepare("SELECT value FROM settings WHERE key = ?").pluck(),
    upsert:
      prepare(`INSERT INTO push_subscriptions (app, id, user_id, endpoint, p256dh, auth, expiration_time,
        user_agent, created_at, updated_at) VALUES (@app, @id, @user, @endpoint, @p256dh, @auth, @expirationTime,
        @userAgent, @now, @now)
      ON CONFLICT (app, endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh,
        auth = excluded.auth, expiration_time = excluded.expiration_time, user_agent = excluded.user_agent,
        updated_at = excluded.updated_at
      RETURNING id`).pluck(),
    // The user's subscriptions beyond the newest `max` (by when each was first made).
    trim: prepare(`DELETE FROM push_subscriptions WHERE app = @app AND user_id = @user AND id NOT IN (
        SELECT id FROM push_subscriptions WHERE app = @app AND user_id = @user
        ORDER BY created_at DESC, id DESC LIMIT @max)`),
    remove: prepare("DELETE FROM push_subscriptions WHERE app = ? AND user_id = ? AND id = ?"),
    forget: prepare("DELETE FROM push_subscriptions WHERE app = ? AND id = ?")
  }

  return {
    keepPushKeys: (fresh: VapidKeys): VapidKeys => {
      st.keepKeys.run(VAPID_KEYS_SETTING, JSON.stringify(fresh))
      return JSON.parse(st.readKeys.get(VAPID_KEYS_SETTING) as string) as VapidKeys
    },
    subscribePush: (
      app: string,
      user: string,
      id: string,
      sub: SubscriptionInput,
      now: string,
      max: number
    ): string => {
      const stored = st.upsert.get({ app, id, user, now, ...sub }) as string
      st.trim.run({ app, user, max })
      return stored
    },
    unsubscribePush: (app: string, user: string, id: string): boolean =>
      st.remove.run(app, user, id).changes > 0,
    forgetPush: (app: string, id: string): void => {
      st.forget.run(app, id)
    }
  }
}

/** Push's write operations on SQLite. */
export type SqlitePushWrites = ReturnType<typeof makeSqlitePushWrites>
