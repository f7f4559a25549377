/**
 * Conversations' writes on SQLite (ConversationStore.ts), plain synchronous functions over
 * statements prepared once, run on the writer thread in its group commits as every SQLite write
 * is (storage/sqlite/sqliteWrites.ts). The writer is the only one, so a conversation's `last_seq`
 * and each member's stream `seq` grow by exactly 1 with no lock; every member's stream entry is
 * written in the same transaction as the change, and answered for the caller to publish.
 */
import type { Database } from "better-sqlite3"
import type { SqliteEnqueue } from "../outbox/sqliteOutbox.js"
import type { UserInput } from "../tenancy/TenancyStore.js"
import type {
  AwayClaim,
  ConversationChange,
  ConversationRecord,
  MemberRecord,
  MessageRecord,
  NewConversation,
  NewMessage,
  PostOutcome,
  UpdateOutcome,
  Written
} from "./ConversationStore.js"
import {
  awayRow,
  DEFAULT_NOTIFY_AFTER,
  MESSAGE_CREATED,
  messageCreated,
  sizeAfter,
  toldOf
} from "./ConversationStore.js"
import {
  conversationEntry,
  conversationOf,
  encodeConversation,
  encodeMessage,
  messageEntry,
  messageOf,
  readEntry
} from "./encode.js"
import type { StreamEntry } from "../notify/Encode.js"
import type { SqliteQueueWebhooks } from "../webhooks/sqliteWebhookWrites.js"

type Row = Record<string, unknown>

/**
 * Prepares conversations' write statements on `db`; `register` upserts a user, `enqueue` writes
 * outbox jobs, `queueWebhooks` a message's `message.created` events.
 */
export const makeSqliteConversationWrites = (
  db: Database,
  register: (app: string, user: UserInput, now: string) => void,
  enqueue: SqliteEnqueue,
  queueWebhooks: SqliteQueueWebhooks
) => {
  const prepare = (text: string) => db.prepare(text)
  const st = {
    get: prepare("SELECT * FROM conversations WHERE app = ? AND id = ?"),
    members: prepare(
      "SELECT user_id, last_read_seq FROM conversation_members WHERE app = ? AND conversation = ? ORDER BY user_id"
    ).raw(),
    member: prepare(
      "SELECT last_read_seq FROM conversation_members WHERE app = ? AND conversation = ? AND user_id = ?"
    ).pluck(),
    create: prepare(`INSERT INTO conversations (app, id, title, data, created_at, last_seq, last_activity)
      VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING`),
    addMember:
      prepare(`INSERT INTO conversation_members (app, conversation, user_id, last_read_seq, joined_at)
      VALUES (?, ?, ?, 0, ?) ON CONFLICT DO NOTHING`),
    removeMember: prepare(
      "DELETE FROM conversation_members WHERE app = ? AND conversation = ? AND user_id = ?"
    ),
    title: prepare("UPDATE conversations SET title = ? WHERE app = ? AND id = ?"),
    data: prepare("UPDATE conversations SET data = ? WHERE app = ? AND id = ?"),
    remove: prepare("DELETE FROM conversations WHERE app = ? AND id = ?"),
    removeMembers: prepare("DELETE FROM conversation_members WHERE app = ? AND conversation = ?"),
    removeMessages: prepare("DELETE FROM messages WHERE app = ? AND conversation = ?"),
    nextSeq: prepare("UPDATE users SET seq = seq + 1 WHERE app = ? AND id = ? RETURNING seq").pluck(),
    entry: prepare("INSERT INTO entries (app, user_id, seq, created_at, payload) VALUES (?, ?, ?, ?, ?)"),
    nextMessage: prepare(`UPDATE conversations SET last_seq = last_seq + 1, last_activity = ?
      WHERE app = ? AND id = ? RETURNING last_seq`).pluck(),
    byClientId: prepare(
      "SELECT * FROM messages WHERE app = ? AND conversation = ? AND author = ? AND client_id = ?"
    ),
    message: prepare(`INSERT INTO messages (app, conversation, seq, author, text, data, client_id, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    markAway: prepare(`UPDATE conversation_members SET away_seq = ?
      WHERE app = ? AND conversation = ? AND user_id = ? AND away_seq IS NULL`),
    read: prepare(`UPDATE conversation_members SET last_read_seq = ?
      WHERE app = ? AND conversation = ? AND user_id = ? AND last_read_seq < ?`),
    notifyAfter: prepare("SELECT notify_after FROM conversation_settings WHERE app = ?").pluck(),
    setNotifyAfter: prepare(`INSERT INTO conversation_settings (app, notify_after) VALUES (?, ?)
      ON CONFLICT (app) DO UPDATE SET notify_after = excluded.notify_after`),
    claimAway: prepare(`UPDATE conversation_members SET away_seq = NULL
      WHERE app = ? AND conversation = ? AND user_id = ? AND away_seq IS NOT NULL RETURNING last_read_seq`).pluck(),
    unread: prepare(`SELECT * FROM messages WHERE app = ? AND conversation = ? AND seq > ?
      AND (author IS NULL OR author <> ?) ORDER BY seq LIMIT 100`),
    names: prepare(
      "SELECT id, name FROM users WHERE app = ? AND name IS NOT NULL AND id IN (SELECT value FROM json_each(?))"
    ).raw()
  }

  const membersOf = (app: string, id: string): Array<MemberRecord> =>
    (st.members.all(app, id) as Array<[string, number]>).map(([user, lastReadSeq]) => ({ user, lastReadSeq }))

  const read = (app: string, id: string): ConversationRecord | undefined => {
    const row = st.get.get(app, id) as Row | undefined
    return row === undefined ? undefined : conversationOf(row, membersOf(app, id))
  }

  /** Appends one entry to each user's stream (next seq each), made by `frame`; answers them. */
  const append = (
    app: string,
    users: ReadonlyArray<string>,
    now: string,
    frame: (user: string, seq: number) => StreamEntry
  ): Array<StreamEntry> => {
    const entries: Array<StreamEntry> = []
    for (const user of users) {
      const seq = st.nextSeq.get(app, user) as number | undefined
      if (seq === undefined) continue // no such user (never: members are registered)
      const entry = frame(user, seq)
      st.entry.run(app, user, seq, now, entry.payload)
      entries.push(entry)
    }
    return entries
  }

  /** The conversation's `conversation` entry on the streams of `users`. */
  const announce = (app: string, c: ConversationRecord, users: ReadonlyArray<string>, now: string) => {
    const json = encodeConversation(c)
    return append(app, users, now, (user, seq) => conversationEntry(user, seq, json))
  }

  return {
    createConversation: (
      app: string,
      input: NewConversation,
      now: string
    ): Written<ConversationRecord> | undefined => {
      if (st.create.run(app, input.id, input.title, input.data, now, now).changes === 0) return undefined
      for (const user of input.members) {
        register(app, { id: user }, now)
        st.addMember.run(app, input.id, user, now)
      }
      const c = read(app, input.id)!
      return { value: c, entries: announce(app, c, input.members, now) }
    },

    updateConversation: (app: string, id: string, change: ConversationChange, now: string): UpdateOutcome => {
      const before = read(app, id)
      if (before === undefined) return { _tag: "NotFound" }
      const size = sizeAfter(before, change)
      if (size < 2 || size > 100) return { _tag: "BadSize", size }
      if (change.title !== undefined) st.title.run(change.title, app, id)
      if (change.data !== undefined) st.data.run(change.data, app, id)
      for (const user of change.remove) st.removeMember.run(app, id, user)
      for (const user of change.add) {
        register(app, { id: user }, now)
        st.addMember.run(app, id, user, now)
      }
      const after = read(app, id)!
      const told = toldOf(before, after)
      return { _tag: "Updated", written: { value: after, entries: announce(app, after, told, now) } }
    },

    removeConversation: (app: string, id: string, now: string): Written<null> | undefined => {
      const before = read(app, id)
      if (before === undefined) return undefined
      st.remove.run(app, id)
      st.removeMembers.run(app, id)
      st.removeMessages.run(app, id)
      const gone = { ...before, members: [] }
      return {
        value: null,
        entries: announce(
          app,
          gone,
          before.members.map((m) => m.user),
          now
        )
      }
    },

    postMessage: (app: string, id: string, m: NewMessage, now: string): PostOutcome => {
      if (st.get.get(app, id) === undefined) return { _tag: "NotFound" }
      const members = membersOf(app, id)
      if (m.author !== null && !members.some((x) => x.user === m.author)) return { _tag: "NotMember" }
      if (m.author !== null && m.clientId !== null) {
        const prior = st.byClientId.get(app, id, m.author, m.clientId) as Row | undefined
        if (prior !== undefined) return { _tag: "Repeated", message: messageOf(prior) }
      }
      const seq = st.nextMessage.get(now, app, id) as number
      const message: MessageRecord = {
        conversation: id,
        seq,
        author: m.author,
        text: m.text,
        data: m.data,
        createdAt: now,
        clientId: m.clientId
      }
      st.message.run(app, id, seq, m.author, m.text, m.data, m.clientId, now)
      const json = encodeMessage(message)
      const users = members.map((x) => x.user)
      const entries = append(app, users, now, (user, s) => messageEntry(user, s, json))
      // Members away now, with no notification pending yet, get one `notifyAfter` s from now.
      const online = new Set(m.online)
      const after = (st.notifyAfter.get(app) as number | undefined) ?? DEFAULT_NOTIFY_AFTER
      const jobs = users
        .filter((u) => u !== m.author && !online.has(u) && st.markAway.run(seq, app, id, u).changes > 0)
        .map((u) => awayRow(u, id, seq, now, after))
      if (jobs.length > 0) enqueue(app, now, jobs)
      const events = queueWebhooks(app, MESSAGE_CREATED, () => [messageCreated(app, message, json)])
      return { _tag: "Stored", message, entries, queued: jobs.length + events }
    },

    readConversation: (
      app: string,
      id: string,
      user: string,
      seq: number,
      now: string
    ): Written<number> | "NotMember" => {
      const prior = st.member.get(app, id, user) as number | undefined
      if (prior === undefined) return "NotMember"
      const last = (st.get.get(app, id) as Row)["last_seq"] as number
      const next = Math.min(seq, last)
      if (next <= prior) return { value: prior, entries: [] }
      st.read.run(next, app, id, user, next)
      const users = membersOf(app, id).map((x) => x.user)
      return { value: next, entries: append(app, users, now, (u, s) => readEntry(u, s, id, user, next)) }
    },

    claimConversationAway: (app: string, id: string, user: string, retry: boolean): AwayClaim | undefined => {
      const lastRead = (retry ? st.member : st.claimAway).get(app, id, user) as number | undefined
      if (lastRead === undefined) return undefined
      const unread = (st.unread.all(app, id, lastRead, user) as Array<Row>).map(messageOf)
      const authors = [...new Set(unread.flatMap((m) => (m.author === null ? [] : [m.author])))]
      const names = Object.fromEntries(st.names.all(app, JSON.stringify(authors)) as Array<[string, string]>)
      const title = (st.get.get(app, id) as Row | undefined)?.["title"]
      return { unread, title: typeof title === "string" ? title : null, names }
    },

    setConversationNotifyAfter: (app: string, seconds: number): void => {
      st.setNotifyAfter.run(app, seconds)
    }
  }
}
