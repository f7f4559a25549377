/**
 * Topics' writes on PostgreSQL (TopicStore.ts), each one transaction on the pool, with the
 * semantics of sqliteTopicWrites.ts. Subscribing registers the users it names with the upsert
 * every write uses, rows in (app, id) `COLLATE "C"` order as notify locks them, so a subscribe
 * and a notify to the same users queue instead of deadlocking.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { UserInput } from "../tenancy/TenancyStore.js"
import type { TopicStoreShape } from "./TopicStore.js"
import { topicOf } from "./topicReads.js"

type Sql = SqlClient.SqlClient

/** Repeated users of one call merged, later details winning (as one after the other would). */
const merged = (users: ReadonlyArray<UserInput>): Array<UserInput> => {
  const byId = new Map<string, UserInput>()
  for (const u of users) {
    const prior = byId.get(u.id)
    byId.set(u.id, { id: u.id, email: u.email ?? prior?.email, name: u.name ?? prior?.name })
  }
  return [...byId.values()]
}

/** The writes over `sql`; `transaction` wraps each in one. */
export const makePgTopicWrites = (
  sql: Sql,
  transaction: <A>(effect: Effect.Effect<A, unknown>) => Effect.Effect<A>
): Pick<TopicStoreShape, "put" | "remove" | "subscribe" | "unsubscribe" | "setMutes"> => {
  const exists = (app: string, key: string) =>
    Effect.map(
      sql`SELECT 1 FROM topics WHERE app = ${app} AND key = ${key} FOR SHARE`,
      (rows) => rows.length > 0
    )
  return {
    put: (app, key, change, now) =>
      transaction(
        Effect.gen(function* () {
          const created = yield* sql`INSERT INTO topics (app, key, name, self_subscribe, created_at)
            VALUES (${app}, ${key}, ${change.name ?? null}, ${change.selfSubscribe === true ? 1 : 0}, ${now})
            ON CONFLICT DO NOTHING RETURNING key`
          if (created.length === 0 && change.name !== undefined)
            yield* sql`UPDATE topics SET name = ${change.name} WHERE app = ${app} AND key = ${key}`
          if (created.length === 0 && change.selfSubscribe !== undefined)
            yield* sql`UPDATE topics SET self_subscribe = ${change.selfSubscribe ? 1 : 0} WHERE app = ${app} AND key = ${key}`
          const [row] = yield* sql`SELECT t.*, (SELECT COUNT(*) FROM topic_subscribers s
              WHERE s.app = t.app AND s.topic = t.key) AS subscribers
            FROM topics t WHERE t.app = ${app} AND t.key = ${key}`
          return { topic: topicOf(row!), created: created.length > 0 }
        })
      ),
    remove: (app, key) =>
      transaction(
        Effect.gen(function* () {
          const gone = yield* sql`DELETE FROM topics WHERE app = ${app} AND key = ${key} RETURNING key`
          if (gone.length === 0) return false
          yield* sql`DELETE FROM topic_subscribers WHERE app = ${app} AND topic = ${key}`
          yield* sql`DELETE FROM topic_mutes WHERE app = ${app} AND topic = ${key}`
          return true
        })
      ),
    subscribe: (app, key, users, now) =>
      transaction(
        Effect.gen(function* () {
          if (!(yield* exists(app, key))) return undefined
          const all = merged(users)
          const ids = all.map((u) => u.id)
          yield* sql`INSERT INTO users (app, id, email, name, created_at, seq)
            SELECT ${app}, r.id, r.email, r.name, ${now}, 0
            FROM unnest(${ids}::text[], ${all.map((u) => u.email ?? null)}::text[],
              ${all.map((u) => u.name ?? null)}::text[]) AS r(id, email, name)
            ORDER BY r.id COLLATE "C"
            ON CONFLICT (app, id) DO UPDATE SET email = COALESCE(excluded.email, users.email),
              name = COALESCE(excluded.name, users.name)`
          const added = yield* sql`INSERT INTO topic_subscribers (app, topic, user_id, created_at)
            SELECT ${app}, ${key}, r.id, ${now} FROM unnest(${ids}::text[]) AS r(id)
            ON CONFLICT DO NOTHING RETURNING user_id`
          return added.length
        })
      ),
    unsubscribe: (app, key, users) =>
      transaction(
        Effect.gen(function* () {
          if (!(yield* exists(app, key))) return undefined
          const gone = yield* sql`DELETE FROM topic_subscribers WHERE app = ${app} AND topic = ${key}
            AND user_id = ANY(${[...users]}::text[]) RETURNING user_id`
          return gone.length
        })
      ),
    setMutes: (app, user, mutes) =>
      transaction(
        Effect.gen(function* () {
          const on = mutes.filter(([, m]) => m).map(([k]) => k)
          const off = mutes.filter(([, m]) => !m).map(([k]) => k)
          if (on.length > 0)
            yield* sql`INSERT INTO topic_mutes (app, user_id, topic)
              SELECT ${app}, ${user}, k FROM unnest(${on}::text[]) AS k ON CONFLICT DO NOTHING`
          if (off.length > 0)
            yield* sql`DELETE FROM topic_mutes WHERE app = ${app} AND user_id = ${user} AND topic = ANY(${off}::text[])`
        })
      )
  }
}
