/**
 * Conversations' writes on PostgreSQL (ConversationStore.ts), each one transaction on the pool,
 * with the semantics of sqliteConversationWrites.ts. Several nodes post at once, so order comes
 * from row locks (ARCHITECTURE.md rule 1): the conversation's row first (`FOR UPDATE`; its
 * `last_seq` grows by 1 under it), then the members' user rows in one statement in (app, id)
 * `COLLATE "C"` order, as notify locks them, so a message and a notify to the same users queue
 * instead of deadlocking, and each member's stream `seq` grows by exactly 1.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { StreamEntry } from "../notify/Encode.js"
import { pgEnqueue } from "../outbox/pgOutbox.js"
import type { ConversationRecord, ConversationStoreShape, MessageRecord } from "./ConversationStore.js"
import { pgQueueWebhooks } from "../webhooks/pgWebhooks.js"
import {
  awayRow,
  DEFAULT_NOTIFY_AFTER,
  MESSAGE_CREATED,
  messageCreated,
  sizeAfter,
  toldOf
} from "./ConversationStore.js"
import {
  byUser,
  conversationEntry,
  conversationOf,
  encodeConversation,
  encodeMessage,
  messageEntry,
  messageOf,
  readEntry
} from "./encode.js"

type Sql = SqlClient.SqlClient

/** The writes over `sql`; `transaction` wraps each in one. */
export const makePgConversationWrites = (
  sql: Sql,
  transaction: <A>(effect: Effect.Effect<A, unknown>) => Effect.Effect<A>
): Pick<
  ConversationStoreShape,
  "create" | "update" | "remove" | "post" | "read" | "claimAway" | "setNotifyAfter"
> => {
  const queueWebhooks = pgQueueWebhooks(sql)
  /** The conversation, its row locked until the transaction ends; undefined when there is none. */
  const locked = (app: string, id: string) =>
    Effect.gen(function* () {
      const [row] = yield* sql`SELECT * FROM conversations WHERE app = ${app} AND id = ${id} FOR UPDATE`
      if (row === undefined) return undefined
      const members = yield* sql`SELECT user_id, last_read_seq FROM conversation_members
        WHERE app = ${app} AND conversation = ${id}`
      return conversationOf(
        row,
        members
          .map((m) => ({ user: String(m["user_id"]), lastReadSeq: Number(m["last_read_seq"]) }))
          .sort(byUser)
      )
    })

  /** Registers users (a no-op for known ones), rows in id order. */
  const register = (app: string, users: ReadonlyArray<string>, now: string) =>
    users.length === 0
      ? Effect.void
      : sql`INSERT INTO users (app, id, email, name, created_at, seq)
          SELECT ${app}, r.id, NULL, NULL, ${now}, 0 FROM unnest(${[...users]}::text[]) AS r(id)
          ORDER BY r.id COLLATE "C" ON CONFLICT (app, id) DO NOTHING`.pipe(Effect.asVoid)

  /** One entry on each user's stream, at their next seq (rows locked in id order). */
  const append = (
    app: string,
    users: ReadonlyArray<string>,
    now: string,
    frame: (user: string, seq: number) => StreamEntry
  ) =>
    Effect.gen(function* () {
      if (users.length === 0) return []
      const rows = yield* sql`UPDATE users u SET seq = u.seq + 1
        FROM (SELECT id FROM users WHERE app = ${app} AND id = ANY(${[...users]}::text[])
          ORDER BY id COLLATE "C" FOR UPDATE) l
        WHERE u.app = ${app} AND u.id = l.id RETURNING u.id, u.seq`
      const entries = rows.map((r) => frame(String(r["id"]), Number(r["seq"])))
      yield* sql`INSERT INTO entries (app, user_id, seq, created_at, payload)
        SELECT ${app}, e.user_id, e.seq, ${now}, e.payload
        FROM unnest(${entries.map((e) => e.user)}::text[], ${entries.map((e) => e.seq)}::int[],
          ${entries.map((e) => e.payload)}::text[]) AS e(user_id, seq, payload)`
      return entries
    })

  const announce = (app: string, c: ConversationRecord, users: ReadonlyArray<string>, now: string) => {
    const json = encodeConversation(c)
    return append(app, users, now, (user, seq) => conversationEntry(user, seq, json))
  }

  const addMembers = (app: string, id: string, users: ReadonlyArray<string>, now: string) =>
    users.length === 0
      ? Effect.void
      : sql`INSERT INTO conversation_members (app, conversation, user_id, last_read_seq, joined_at)
          SELECT ${app}, ${id}, r.id, 0, ${now} FROM unnest(${[...users]}::text[]) AS r(id)
          ON CONFLICT DO NOTHING`.pipe(Effect.asVoid)

  return {
    create: (app, input, now) =>
      transaction(
        Effect.gen(function* () {
          const made =
            yield* sql`INSERT INTO conversations (app, id, title, data, created_at, last_seq, last_activity)
            VALUES (${app}, ${input.id}, ${input.title}, ${input.data}, ${now}, 0, ${now})
            ON CONFLICT DO NOTHING RETURNING id`
          if (made.length === 0) return undefined
          yield* register(app, input.members, now)
          yield* addMembers(app, input.id, input.members, now)
          const c = (yield* locked(app, input.id))!
          return { value: c, entries: yield* announce(app, c, input.members, now) }
        })
      ),
    update: (app, id, change, now) =>
      transaction(
        Effect.gen(function* () {
          const before = yield* locked(app, id)
          if (before === undefined) return { _tag: "NotFound" as const }
          const size = sizeAfter(before, change)
          if (size < 2 || size > 100) return { _tag: "BadSize" as const, size }
          if (change.title !== undefined)
            yield* sql`UPDATE conversations SET title = ${change.title} WHERE app = ${app} AND id = ${id}`
          if (change.data !== undefined)
            yield* sql`UPDATE conversations SET data = ${change.data} WHERE app = ${app} AND id = ${id}`
          if (change.remove.length > 0)
            yield* sql`DELETE FROM conversation_members WHERE app = ${app} AND conversation = ${id}
              AND user_id = ANY(${[...change.remove]}::text[])`
          yield* register(app, change.add, now)
          yield* addMembers(app, id, change.add, now)
          const after = (yield* locked(app, id))!
          const told = toldOf(before, after)
          return {
            _tag: "Updated" as const,
            written: { value: after, entries: yield* announce(app, after, told, now) }
          }
        })
      ),
    remove: (app, id, now) =>
      transaction(
        Effect.gen(function* () {
          const before = yield* locked(app, id)
          if (before === undefined) return undefined
          yield* sql`DELETE FROM conversations WHERE app = ${app} AND id = ${id}`
          yield* sql`DELETE FROM conversation_members WHERE app = ${app} AND conversation = ${id}`
          yield* sql`DELETE FROM messages WHERE app = ${app} AND conversation = ${id}`
          const users = before.members.map((m) => m.user)
          return { value: null, entries: yield* announce(app, { ...before, members: [] }, users, now) }
        })
      ),
    post: (app, id, m, now) =>
      transaction(
        Effect.gen(function* () {
          const c = yield* locked(app, id)
          if (c === undefined) return { _tag: "NotFound" as const }
          if (m.author !== null && !c.members.some((x) => x.user === m.author))
            return { _tag: "NotMember" as const }
          if (m.author !== null && m.clientId !== null) {
            const [prior] = yield* sql`SELECT * FROM messages WHERE app = ${app} AND conversation = ${id}
              AND author = ${m.author} AND client_id = ${m.clientId}`
            if (prior !== undefined) return { _tag: "Repeated" as const, message: messageOf(prior) }
          }
          const seq = c.lastSeq + 1
          yield* sql`UPDATE conversations SET last_seq = ${seq}, last_activity = ${now} WHERE app = ${app} AND id = ${id}`
          const message: MessageRecord = {
            conversation: id,
            seq,
            author: m.author,
            text: m.text,
            data: m.data,
            createdAt: now,
            clientId: m.clientId
          }
          yield* sql`INSERT INTO messages (app, conversation, seq, author, text, data, client_id, created_at)
            VALUES (${app}, ${id}, ${seq}, ${m.author}, ${m.text}, ${m.data}, ${m.clientId}, ${now})`
          const json = encodeMessage(message)
          const users = c.members.map((x) => x.user)
          const entries = yield* append(app, users, now, (user, s) => messageEntry(user, s, json))
          const online = new Set(m.online)
          const away = users.filter((u) => u !== m.author && !online.has(u))
          const marked =
            away.length === 0
              ? []
              : yield* sql`UPDATE conversation_members SET away_seq = ${seq} WHERE app = ${app}
                  AND conversation = ${id} AND user_id = ANY(${away}::text[]) AND away_seq IS NULL RETURNING user_id`
          const [setting] =
            marked.length === 0
              ? []
              : yield* sql`SELECT notify_after FROM conversation_settings WHERE app = ${app}`
          const after = setting === undefined ? DEFAULT_NOTIFY_AFTER : Number(setting["notify_after"])
          const jobs = marked.map((r) => awayRow(String(r["user_id"]), id, seq, now, after))
          yield* pgEnqueue(sql, app, now, jobs)
          const events = yield* queueWebhooks(app, MESSAGE_CREATED, () => [
            messageCreated(app, message, json)
          ])
          return { _tag: "Stored" as const, message, entries, queued: jobs.length + events }
        })
      ),
    read: (app, id, user, seq, now) =>
      transaction(
        Effect.gen(function* () {
          const c = yield* locked(app, id)
          const me = c?.members.find((x) => x.user === user)
          if (c === undefined || me === undefined) return "NotMember" as const
          const next = Math.min(seq, c.lastSeq)
          if (next <= me.lastReadSeq) return { value: me.lastReadSeq, entries: [] }
          yield* sql`UPDATE conversation_members SET last_read_seq = ${next}
            WHERE app = ${app} AND conversation = ${id} AND user_id = ${user}`
          const users = c.members.map((x) => x.user)
          return {
            value: next,
            entries: yield* append(app, users, now, (u, s) => readEntry(u, s, id, user, next))
          }
        })
      ),
    claimAway: (app, id, user, retry) =>
      transaction(
        Effect.gen(function* () {
          const [claimed] = retry
            ? yield* sql`SELECT last_read_seq FROM conversation_members WHERE app = ${app}
                AND conversation = ${id} AND user_id = ${user}`
            : yield* sql`UPDATE conversation_members SET away_seq = NULL WHERE app = ${app}
                AND conversation = ${id} AND user_id = ${user} AND away_seq IS NOT NULL RETURNING last_read_seq`
          if (claimed === undefined) return undefined
          const rows = yield* sql`SELECT * FROM messages WHERE app = ${app} AND conversation = ${id}
            AND seq > ${Number(claimed["last_read_seq"])} AND (author IS NULL OR author <> ${user})
            ORDER BY seq LIMIT 100`
          const unread = rows.map(messageOf)
          const authors = [...new Set(unread.flatMap((m) => (m.author === null ? [] : [m.author])))]
          const named = yield* sql`SELECT id, name FROM users WHERE app = ${app} AND name IS NOT NULL
            AND id = ANY(${authors}::text[])`
          const [c] = yield* sql`SELECT title FROM conversations WHERE app = ${app} AND id = ${id}`
          return {
            unread,
            title: c === undefined || c["title"] === null ? null : String(c["title"]),
            names: Object.fromEntries(named.map((r) => [String(r["id"]), String(r["name"])]))
          }
        })
      ),
    setNotifyAfter: (app, seconds) =>
      transaction(
        sql`INSERT INTO conversation_settings (app, notify_after) VALUES (${app}, ${seconds})
          ON CONFLICT (app) DO UPDATE SET notify_after = excluded.notify_after`.pipe(Effect.asVoid)
      )
  }
}
