/**
 * Topics' writes on SQLite (TopicStore.ts), plain synchronous functions over statements
 * prepared once, run on the writer thread in its group commits as every SQLite write is
 * (storage/sqlite/sqliteWrites.ts): a topic created or changed, removed with its subscriptions
 * and mutes, users subscribed (registered first when new) and unsubscribed, a user's mutes.
 */
import type { Database } from "better-sqlite3"
import type { UserInput } from "../tenancy/TenancyStore.js"
import type { TopicChange, TopicRecord } from "./TopicStore.js"
import { topicOf } from "./topicReads.js"

/** Prepares topics' write statements on `db`; `register` upserts a user as every write does. */
export const makeSqliteTopicWrites = (
  db: Database,
  register: (app: string, user: UserInput, now: string) => void
) => {
  const prepare = (text: string) => db.prepare(text)
  const st = {
    exists: prepare("SELECT 1 FROM topics WHERE app = ? AND key = ?").pluck(),
    create: prepare(
      "INSERT INTO topics (app, key, name, self_subscribe, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
    ),
    rename: prepare("UPDATE topics SET name = ? WHERE app = ? AND key = ?"),
    selfSubscribe: prepare("UPDATE topics SET self_subscribe = ? WHERE app = ? AND key = ?"),
    read: prepare(`SELECT t.*, (SELECT COUNT(*) FROM topic_subscribers s WHERE s.app = t.app AND s.topic = t.key)
      AS subscribers FROM topics t WHERE t.app = ? AND t.key = ?`),
    remove: prepare("DELETE FROM topics WHERE app = ? AND key = ?"),
    removeSubscribers: prepare("DELETE FROM topic_subscribers WHERE app = ? AND topic = ?"),
    removeMutes: prepare("DELETE FROM topic_mutes WHERE app = ? AND topic = ?"),
    subscribe: prepare(
      "INSERT INTO topic_subscribers (app, topic, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
    ),
    unsubscribe: prepare("DELETE FROM topic_subscribers WHERE app = ? AND topic = ? AND user_id = ?"),
    mute: prepare("INSERT INTO topic_mutes (app, user_id, topic) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"),
    unmute: prepare("DELETE FROM topic_mutes WHERE app = ? AND user_id = ? AND topic = ?")
  }

  return {
    putTopic: (
      app: string,
      key: string,
      change: TopicChange,
      now: string
    ): { topic: TopicRecord; created: boolean } => {
      const created =
        st.create.run(app, key, change.name ?? null, change.selfSubscribe === true ? 1 : 0, now).changes > 0
      if (!created && change.name !== undefined) st.rename.run(change.name, app, key)
      if (!created && change.selfSubscribe !== undefined)
        st.selfSubscribe.run(change.selfSubscribe ? 1 : 0, app, key)
      return { topic: topicOf(st.read.get(app, key) as Record<string, unknown>), created }
    },
    removeTopic: (app: string, key: string): boolean => {
      if (st.remove.run(app, key).changes === 0) return false
      st.removeSubscribers.run(app, key)
      st.removeMutes.run(app, key)
      return true
    },
    subscribeTopic: (
      app: string,
      key: string,
      users: ReadonlyArray<UserInput>,
      now: string
    ): number | undefined => {
      if (st.exists.get(app, key) === undefined) return undefined
      let added = 0
      for (const user of users) {
        register(app, user, now)
        added += st.subscribe.run(app, key, user.id, now).changes
      }
      return added
    },
    unsubscribeTopic: (app: string, key: string, users: ReadonlyArray<string>): number | undefined => {
      if (st.exists.get(app, key) === undefined) return undefined
      let removed = 0
      for (const user of users) removed += st.unsubscribe.run(app, key, user).changes
      return removed
    },
    setTopicMutes: (app: string, user: string, mutes: ReadonlyArray<readonly [string, boolean]>): void => {
      for (const [key, muted] of mutes) (muted ? st.mute : st.unmute).run(app, user, key)
    }
  }
}
