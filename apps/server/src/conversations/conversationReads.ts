/**
 * Conversations' reads (ConversationStore.ts) over any `@effect/sql` client, portable between
 * SQLite and PostgreSQL: one conversation with its members, membership, a user's conversations
 * with their unread counts and latest messages, a page of history, the operator's list, and the
 * app's `notifyAfter`. None of them writes; none is on a write path.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { type ConversationStoreShape, DEFAULT_NOTIFY_AFTER, type MemberRecord } from "./ConversationStore.js"
import { byUser, conversationOf, messageOf } from "./encode.js"

type Row = Record<string, unknown>

/** Conversations' reads on the SqlClient in context. */
export const makeConversationReads = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  /** The members of each of `ids`, in id order. */
  const membersOf = (app: string, ids: ReadonlyArray<string>) =>
    Effect.map(
      ids.length === 0
        ? Effect.succeed([] as ReadonlyArray<Row>)
        : sql`SELECT conversation, user_id, last_read_seq FROM conversation_members
            WHERE app = ${app} AND ${sql.in("conversation", ids)}`,
      (rows) => {
        const byConversation = new Map<string, Array<MemberRecord>>(ids.map((id) => [id, []]))
        for (const r of rows) {
          byConversation
            .get(String(r["conversation"]))
            ?.push({ user: String(r["user_id"]), lastReadSeq: Number(r["last_read_seq"]) })
        }
        for (const list of byConversation.values()) list.sort(byUser)
        return byConversation
      }
    )

  const reads: Pick<
    ConversationStoreShape,
    "get" | "isMember" | "ofUser" | "messages" | "summaries" | "notifyAfter"
  > = {
    get: (app, id) =>
      Effect.gen(function* () {
        const [row] = yield* sql`SELECT * FROM conversations WHERE app = ${app} AND id = ${id}`
        if (row === undefined) return undefined
        return conversationOf(row, (yield* membersOf(app, [id])).get(id) ?? [])
      }).pipe(Effect.orDie),

    isMember: (app, id, user) =>
      sql`SELECT 1 AS m FROM conversation_members WHERE app = ${app} AND conversation = ${id} AND user_id = ${user}`.pipe(
        Effect.map((rows) => rows.length > 0),
        Effect.orDie
      ),

    ofUser: (app, user, limit, offset) =>
      Effect.gen(function* () {
        const [total] =
          yield* sql`SELECT COUNT(*) AS n FROM conversation_members WHERE app = ${app} AND user_id = ${user}`
        const rows = yield* sql`SELECT c.*, (SELECT COUNT(*) FROM messages x WHERE x.app = c.app
              AND x.conversation = c.id AND x.seq > m.last_read_seq
              AND (x.author IS NULL OR x.author <> m.user_id)) AS unread
          FROM conversation_members m JOIN conversations c ON c.app = m.app AND c.id = m.conversation
          WHERE m.app = ${app} AND m.user_id = ${user}
          ORDER BY c.last_activity DESC, c.id LIMIT ${limit} OFFSET ${offset}`
        const ids = rows.map((r) => String(r["id"]))
        const members = yield* membersOf(app, ids)
        const latest =
          ids.length === 0
            ? []
            : yield* sql`SELECT x.* FROM messages x JOIN conversations c
                ON c.app = x.app AND c.id = x.conversation AND c.last_seq = x.seq
                WHERE x.app = ${app} AND ${sql.in("c.id", ids)}`
        const last = new Map(latest.map((r) => [String(r["conversation"]), messageOf(r)]))
        return {
          count: Number(total?.["n"] ?? 0),
          results: rows.map((r) => ({
            conversation: conversationOf(r, members.get(String(r["id"])) ?? []),
            unread: Number(r["unread"] ?? 0),
            lastMessage: last.get(String(r["id"])) ?? null
          }))
        }
      }).pipe(Effect.orDie),

    messages: (app, id, before, limit) =>
      (before === undefined
        ? sql`SELECT * FROM messages WHERE app = ${app} AND conversation = ${id} ORDER BY seq DESC LIMIT ${limit}`
        : sql`SELECT * FROM messages WHERE app = ${app} AND conversation = ${id} AND seq < ${before}
            ORDER BY seq DESC LIMIT ${limit}`
      ).pipe(
        Effect.map((rows) => rows.map(messageOf)),
        Effect.orDie
      ),

    summaries: (app, limit, offset) =>
      Effect.gen(function* () {
        const [total] = yield* sql`SELECT COUNT(*) AS n FROM conversations WHERE app = ${app}`
        const rows = yield* sql`SELECT c.*, (SELECT COUNT(*) FROM messages x WHERE x.app = c.app
              AND x.conversation = c.id) AS messages
          FROM conversations c WHERE c.app = ${app}
          ORDER BY c.last_activity DESC, c.id LIMIT ${limit} OFFSET ${offset}`
        const members = yield* membersOf(
          app,
          rows.map((r) => String(r["id"]))
        )
        return {
          count: Number(total?.["n"] ?? 0),
          results: rows.map((r) => ({
            id: String(r["id"]),
            title: r["title"] === null ? null : String(r["title"]),
            members: (members.get(String(r["id"])) ?? []).map((m) => m.user),
            messages: Number(r["messages"] ?? 0),
            createdAt: String(r["created_at"]),
            lastActivity: String(r["last_activity"])
          }))
        }
      }).pipe(Effect.orDie),

    notifyAfter: (app) =>
      sql`SELECT notify_after FROM conversation_settings WHERE app = ${app}`.pipe(
        Effect.map(([r]) => (r === undefined ? DEFAULT_NOTIFY_AFTER : Number(r["notify_after"]))),
        Effect.orDie
      )
  }
  return reads
})
