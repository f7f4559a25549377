/**
 * Who a notify call reaches on PostgreSQL, and each recipient's next `seq` (PROTOCOL.md §6, §11),
 * inside the call's transaction on the one-call path (pgNotify.ts), with the semantics of
 * SQLite's (storage/sqlite/sqliteAudience.ts): the named users (registered by the call), every
 * registered user when it names none, or its topics' subscribers — each user once, through the
 * first listed topic that holds them — less the excluded, those whose preferences refuse the
 * type and those who muted every topic that reaches them. Every row it moves is locked in one
 * statement in id order (`COLLATE "C"`), as every other write locks users, so calls with
 * overlapping audiences queue instead of deadlocking.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { NotifyJob } from "../../notify/NotifyStore.js"

type Sql = SqlClient.SqlClient

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** A call's recipients in notification order, their seqs, and (with topics) the topic of each. */
export interface PgAudience {
  readonly users: Array<string>
  readonly seqs: Array<number>
  readonly topics?: Array<string | null>
}

/** The audience of a call over `sql`, or the first of its topics that does not exist. */
export const makePgAudience =
  (sql: Sql) =>
  (job: NotifyJob): Effect.Effect<PgAudience | { readonly unknownTopic: string }, unknown> =>
    Effect.gen(function* () {
      const { app, fields } = job
      const type = fields.type
      const excluded = [...(job.exclude ?? [])]
      if (job.users === undefined && job.topics === undefined) {
        const rows = yield* sql`UPDATE users u SET seq = u.seq + 1
          FROM (SELECT id FROM users s WHERE s.app = ${app} AND NOT (s.id = ANY(${excluded}::text[]))
              AND (${type}::text IS NULL OR NOT EXISTS (
                SELECT 1 FROM preferences p WHERE p.app = s.app AND p.user_id = s.id AND p.type = ${type}
                  AND p.in_app = 0))
            ORDER BY id COLLATE "C" FOR UPDATE) locked
          WHERE u.app = ${app} AND u.id = locked.id
          RETURNING u.id, u.seq`
        const pairs = rows.map((r) => [String(r["id"]), Number(r["seq"])] as const)
        pairs.sort((a, b) => byId(a[0], b[0]))
        return { users: pairs.map((p) => p[0]), seqs: pairs.map((p) => p[1]) }
      }
      const topics = [...(job.topics ?? [])]
      if (topics.length > 0) {
        const found = yield* sql`SELECT key FROM topics WHERE app = ${app} AND key = ANY(${topics}::text[])`
        const known = new Set(found.map((r) => String(r["key"])))
        const missing = topics.find((k) => !known.has(k))
        if (missing !== undefined) return { unknownTopic: missing }
      }
      const named = job.users ?? [] // distinct ids (Delivery merges repeats)
      const skip = new Set(excluded)
      if (type !== null) {
        const rows =
          yield* sql`SELECT user_id FROM preferences WHERE app = ${app} AND type = ${type} AND in_app = 0`
        for (const r of rows) skip.add(String(r["user_id"]))
      }
      // Recipients in notification order: the named, then each topic's subscribers by id.
      const recipients: Array<{ id: string; topic: string | null }> = []
      const reached = new Set<string>()
      for (const u of named) {
        reached.add(u.id)
        if (!skip.has(u.id)) recipients.push({ id: u.id, topic: null })
      }
      if (topics.length > 0) {
        const rows = yield* sql`SELECT s.topic, s.user_id FROM topic_subscribers s
          WHERE s.app = ${app} AND s.topic = ANY(${topics}::text[]) AND NOT EXISTS (
            SELECT 1 FROM topic_mutes m WHERE m.app = s.app AND m.user_id = s.user_id AND m.topic = s.topic)`
        const byTopic = new Map<string, Array<string>>(topics.map((k) => [k, []]))
        for (const r of rows) byTopic.get(String(r["topic"]))?.push(String(r["user_id"]))
        for (const key of topics) {
          for (const user of byTopic.get(key)!.sort(byId)) {
            if (reached.has(user) || skip.has(user)) continue
            reached.add(user)
            recipients.push({ id: user, topic: key })
          }
        }
      }
      // Registered, and (unless skipped) the seq moved, in one statement, rows in id order.
      const rows = [
        ...named.map((u) => ({
          id: u.id,
          email: u.email ?? null,
          name: u.name ?? null,
          inc: skip.has(u.id) ? 0 : 1
        })),
        ...recipients
          .filter((r) => r.topic !== null)
          .map((r) => ({ id: r.id, email: null, name: null, inc: 1 }))
      ]
      const moved =
        rows.length === 0
          ? []
          : yield* sql`INSERT INTO users (app, id, email, name, created_at, seq)
        SELECT ${app}, r.id, r.email, r.name, ${fields.createdAt}, r.inc
        FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.email)}::text[],
          ${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.inc)}::int[]) AS r(id, email, name, inc)
        ORDER BY r.id COLLATE "C"
        ON CONFLICT (app, id) DO UPDATE SET seq = users.seq + excluded.seq,
          email = COALESCE(excluded.email, users.email), name = COALESCE(excluded.name, users.name)
        RETURNING id, seq`
      const seqOf = new Map(moved.map((r) => [String(r["id"]), Number(r["seq"])]))
      const users = recipients.map((r) => r.id)
      const seqs = recipients.map((r) => seqOf.get(r.id)!)
      return topics.length === 0 ? { users, seqs } : { users, seqs, topics: recipients.map((r) => r.topic) }
    })
