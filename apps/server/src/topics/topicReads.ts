/**
 * Topics' reads (TopicStore.ts) over any `@effect/sql` client, portable between SQLite and
 * PostgreSQL: one topic or a page of them with their subscriber counts, a page of a topic's
 * subscribers, and a user's topics with their mutes.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { TopicRecord, TopicStoreShape } from "./TopicStore.js"

type Row = Record<string, unknown>

/** A topics row (with its `subscribers` count) as a record. */
export const topicOf = (r: Row): TopicRecord => ({
  key: String(r["key"]),
  name: r["name"] === null || r["name"] === undefined ? null : String(r["name"]),
  selfSubscribe: Number(r["self_subscribe"]) === 1,
  subscribers: Number(r["subscribers"] ?? 0),
  createdAt: String(r["created_at"])
})

/** `LIKE` text matching what starts with `prefix` (its own `%`, `_` and `\` escaped). */
const startsWith = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/** Topics' reads on the SqlClient in context. */
export const makeTopicReads = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // Byte order on both stores (PostgreSQL's database collation could order keys otherwise).
  const bytes = sql.onDialectOrElse({ pg: () => sql`COLLATE "C"`, orElse: () => sql`` })
  const count = sql`(SELECT COUNT(*) FROM topic_subscribers s WHERE s.app = t.app AND s.topic = t.key)`
  const get: TopicStoreShape["get"] = (app, key) =>
    sql`SELECT t.*, ${count} AS subscribers FROM topics t WHERE t.app = ${app} AND t.key = ${key}`.pipe(
      Effect.map(([r]) => (r === undefined ? undefined : topicOf(r))),
      Effect.orDie
    )
  const reads: Pick<TopicStoreShape, "get" | "list" | "subscribers" | "topicsOf" | "userTopics"> = {
    get,
    list: (app, prefix, limit, offset) =>
      Effect.gen(function* () {
        const which = prefix === undefined ? sql`` : sql`AND t.key LIKE ${startsWith(prefix)} ESCAPE '\\'`
        const [total] = yield* sql`SELECT COUNT(*) AS n FROM topics t WHERE t.app = ${app} ${which}`
        const rows =
          yield* sql`SELECT t.*, ${count} AS subscribers FROM topics t WHERE t.app = ${app} ${which}
          ORDER BY t.key ${bytes} LIMIT ${limit} OFFSET ${offset}`
        return { count: Number(total?.["n"] ?? 0), topics: rows.map(topicOf) }
      }).pipe(Effect.orDie),
    subscribers: (app, key, limit, offset) =>
      Effect.gen(function* () {
        const [topic] = yield* sql`SELECT key FROM topics WHERE app = ${app} AND key = ${key}`
        if (topic === undefined) return undefined
        const [total] =
          yield* sql`SELECT COUNT(*) AS n FROM topic_subscribers WHERE app = ${app} AND topic = ${key}`
        const rows = yield* sql`SELECT user_id FROM topic_subscribers WHERE app = ${app} AND topic = ${key}
          ORDER BY user_id ${bytes} LIMIT ${limit} OFFSET ${offset}`
        return { count: Number(total?.["n"] ?? 0), users: rows.map((r) => String(r["user_id"])) }
      }).pipe(Effect.orDie),
    topicsOf: (app, user) =>
      sql`SELECT topic FROM topic_subscribers WHERE app = ${app} AND user_id = ${user} ORDER BY topic ${bytes}`.pipe(
        Effect.map((rows) => rows.map((r) => String(r["topic"]))),
        Effect.orDie
      ),
    userTopics: (app, user) =>
      sql`SELECT t.key, t.name, CASE WHEN m.topic IS NULL THEN 0 ELSE 1 END AS muted
        FROM topic_subscribers s JOIN topics t ON t.app = s.app AND t.key = s.topic
        LEFT JOIN topic_mutes m ON m.app = s.app AND m.user_id = s.user_id AND m.topic = s.topic
        WHERE s.app = ${app} AND s.user_id = ${user} ORDER BY t.key ${bytes}`.pipe(
        Effect.map((rows) =>
          rows.map((r) => ({
            key: String(r["key"]),
            name: r["name"] === null ? null : String(r["name"]),
            muted: Number(r["muted"]) === 1
          }))
        ),
        Effect.orDie
      )
  }
  return reads
})
