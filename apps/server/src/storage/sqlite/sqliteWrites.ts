/**
 * Every write of the SQLite store, as plain synchronous functions over statements prepared
 * once at start (ARCHITECTURE.md "Measured facts": no per-statement Effect, no SQL compiled
 * per call, one row per statement so the text never changes). They run inside the group
 * commit's transaction (see groupCommit.ts); this module knows nothing of batching.
 */
import type { NotifyResponse } from "@pushback/protocol"
import type { Database } from "better-sqlite3"
import { encodeMarkFrame, recipientId } from "../../notify/Encode.js"
import { makeSqliteEmailWrites } from "../../email/sqliteEmailWrites.js"
import { makeSqliteOutbox } from "../../outbox/sqliteOutbox.js"
import { makeSqlitePushQueue } from "../../push/pushQueue.js"
import { makeSqlitePushWrites } from "../../push/sqlitePushWrites.js"
import { makeSqliteTopicWrites } from "../../topics/sqliteTopicWrites.js"
import { makeSqliteConversationWrites } from "../../conversations/sqliteConversationWrites.js"
import { makeSqliteAudience } from "./sqliteAudience.js"
import { makeSqliteStatsBump } from "../../stats/sqliteBuckets.js"
import { countByMinute, type Grain } from "../../stats/statsBuckets.js"
import { APP_ROW_TABLES, USER_ROW_TABLES } from "../tables.js"
import type { AppRecord, EventTypeRecord, PreferenceRecord, UserInput } from "../../tenancy/TenancyStore.js"
import type { MarkKind, MarkTarget } from "../../inbox/records.js"
import type { NotifyJob, NotifyOutcome } from "../../notify/NotifyStore.js"
import type { Receipt } from "../../stream/StreamStore.js"
import { makeSqliteWebhookWrites } from "../../webhooks/sqliteWebhookWrites.js"

/** What storing a notify call did, with the recipients and their seqs instead of the frames. */
export type SqliteNotifyOutcome =
  | Exclude<NotifyOutcome, { _tag: "Stored" }>
  | {
      readonly _tag: "Stored"
      readonly response: NotifyResponse
      readonly users: ReadonlyArray<string>
      readonly seqs: ReadonlyArray<number>
      /** Each recipient's topic, when the call named topics (null: named). */
      readonly topics?: ReadonlyArray<string | null>
    }

/** Each mark, for some ids (a JSON array in `@ids`) or for all; named parameters. */
const MARK_SQL: Record<MarkKind, { some: string; all: string }> = {
  seen: {
    some: `UPDATE notifications SET seen_at = @now WHERE app = @app AND user_id = @user AND seen_at IS NULL
      AND id IN (SELECT value FROM json_each(@ids)) RETURNING id, seq, call_id`,
    all: `UPDATE notifications SET seen_at = @now WHERE app = @app AND user_id = @user AND seen_at IS NULL
      RETURNING id, seq, call_id`
  },
  read: {
    some: `UPDATE notifications SET read_at = @now, seen_at = COALESCE(seen_at, @now)
      WHERE app = @app AND user_id = @user AND read_at IS NULL AND id IN (SELECT value FROM json_each(@ids))
      RETURNING id, seq, call_id`,
    all: `UPDATE notifications SET read_at = @now, seen_at = COALESCE(seen_at, @now)
      WHERE app = @app AND user_id = @user AND read_at IS NULL RETURNING id, seq, call_id`
  },
  deleted: {
    some: `DELETE FROM notifications WHERE app = @app AND user_id = @user
      AND id IN (SELECT value FROM json_each(@ids)) RETURNING id, seq, call_id`,
    all: "DELETE FROM notifications WHERE app = @app AND user_id = @user RETURNING id, seq, call_id"
  }
}

/** Of the notifications a `read` mark is about to change, those not seen yet (for the `seen` count). */
const UNSEEN_BEFORE_READ = {
  some: `SELECT COUNT(*) FROM notifications WHERE app = @app AND user_id = @user AND read_at IS NULL
    AND seen_at IS NULL AND id IN (SELECT value FROM json_each(@ids))`,
  all: `SELECT COUNT(*) FROM notifications WHERE app = @app AND user_id = @user AND read_at IS NULL
    AND seen_at IS NULL`
}

/** Prepares every write statement on `db` and answers the write operations. */
export const makeSqliteWrites = (db: Database) => {
  const prepare = (text: string) => db.prepare(text)
  const bumpStats = makeSqliteStatsBump(db)
  const st = {
    bumpCatalog: prepare("UPDATE catalog_version SET version = version + 1 WHERE id = 1"),
    insertApp: prepare("INSERT INTO apps (id, name, secret, created_at) VALUES (?, ?, ?, ?)"),
    deleteAppRows: [...APP_ROW_TABLES, "users"].map((t) => prepare(`DELETE FROM ${t} WHERE app = ?`)),
    deleteApp: prepare("DELETE FROM apps WHERE id = ?"),
    setSecret: prepare("UPDATE apps SET secret = ? WHERE id = ?"),
    upsertUser: prepare(`INSERT INTO users (app, id, email, name, created_at, seq) VALUES (?, ?, ?, ?, ?, 0)
      ON CONFLICT (app, id) DO UPDATE SET
        email = COALESCE(excluded.email, users.email), name = COALESCE(excluded.name, users.name)`),
    nextSeq: prepare("UPDATE users SET seq = seq + 1 WHERE app = ? AND id = ? RETURNING seq").pluck(),
    deleteUserRows: USER_ROW_TABLES.map((t) => prepare(`DELETE FROM ${t} WHERE app = ? AND user_id = ?`)),
    deleteUser: prepare("DELETE FROM users WHERE app = ? AND id = ?"),
    putEventType: prepare(`INSERT INTO event_types (app, name, title, description) VALUES (?, ?, ?, ?)
      ON CONFLICT (app, name) DO UPDATE SET title = excluded.title, description = excluded.description`),
    deleteEventType: prepare("DELETE FROM event_types WHERE app = ? AND name = ?"),
    putPreference: prepare(`INSERT INTO preferences (app, user_id, type, in_app, email, push)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app, user_id, type)
      DO UPDATE SET in_app = excluded.in_app, email = excluded.email, push = excluded.push`),
    insertNotification: prepare(
      "INSERT INTO notifications (app, id, user_id, call_id, seq, created_at, topic) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
    insertNotificationEntry: prepare(
      "INSERT INTO entries (app, user_id, seq, created_at, call_id, ntf_id) VALUES (?, ?, ?, ?, ?, ?)"
    ),
    insertMarkEntry: prepare(
      "INSERT INTO entries (app, user_id, seq, created_at, payload) VALUES (?, ?, ?, ?, ?)"
    ),
    insertCall: prepare(`INSERT INTO notify_calls (app, id, email, recipients, online, created_at,
        type, title, content, url, icon, image, data, author, shared, emails_skipped, push, pushes_skipped)
      VALUES (@app, @callId, @email, @recipients, @online, @createdAt, @type, @title, @content, @url,
        @icon, @image, @data, @author, @shared, @emailsSkipped, @push, @pushesSkipped)`),
    findKey: prepare(
      "SELECT response, body_hash FROM idempotency_keys WHERE app = ? AND key = ? AND created_at >= ?"
    ).raw(),
    saveKey:
      prepare(`INSERT INTO idempotency_keys (app, key, response, created_at, body_hash) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (app, key) DO UPDATE SET response = excluded.response, created_at = excluded.created_at,
        body_hash = excluded.body_hash`),
    mark: Object.fromEntries(
      Object.entries(MARK_SQL).map(([kind, q]) => [
        kind,
        { some: prepare(q.some).raw(), all: prepare(q.all).raw() }
      ])
    ) as Record<MarkKind, { some: ReturnType<typeof prepare>; all: ReturnType<typeof prepare> }>,
    unseenBeforeRead: {
      some: prepare(UNSEEN_BEFORE_READ.some).pluck(),
      all: prepare(UNSEEN_BEFORE_READ.all).pluck()
    },
    setDelivered: prepare(
      "UPDATE notifications SET delivered_at = ? WHERE app = ? AND id = ? AND delivered_at IS NULL"
    ),
    pruneOld: prepare("DELETE FROM entries WHERE created_at < ?"),
    pruneOver: prepare(`DELETE FROM entries WHERE seq <= (
        SELECT u.seq FROM users u WHERE u.app = entries.app AND u.id = entries.user_id) - ?`),
    pruneKeys: prepare("DELETE FROM idempotency_keys WHERE created_at < ?"),
    pruneStats: prepare("DELETE FROM stats_buckets WHERE grain = ? AND t < ?")
  }

  const webhooks = makeSqliteWebhookWrites(db)
  const outbox = makeSqliteOutbox(db, bumpStats, webhooks.settled)
  const { queueEmails } = makeSqliteEmailWrites(db, outbox.enqueue)
  const { queuePushes } = makeSqlitePushQueue(db, outbox.enqueue)

  const registerUser = (app: string, u: UserInput, now: string) =>
    st.upsertUser.run(app, u.id, u.email ?? null, u.name ?? null, now)

  const audienceOf = makeSqliteAudience(db, registerUser)

  return {
    ...outbox.writes,
    ...makeSqlitePushWrites(db),
    ...webhooks.writes,
    ...makeSqliteTopicWrites(db, registerUser),
    ...makeSqliteConversationWrites(db, registerUser, outbox.enqueue, webhooks.queueWebhooks),
    createApp: (app: AppRecord) => {
      st.insertApp.run(app.id, app.name, app.secret, app.createdAt)
      st.bumpCatalog.run()
    },
    deleteApp: (id: string): boolean => {
      for (const s of st.deleteAppRows) s.run(id)
      const gone = st.deleteApp.run(id).changes > 0
      st.bumpCatalog.run()
      return gone
    },
    setSecret: (id: string, secret: string): boolean => {
      const changed = st.setSecret.run(secret, id).changes > 0
      st.bumpCatalog.run()
      return changed
    },
    upsertUsers: (app: string, users: ReadonlyArray<UserInput>, now: string): number => {
      for (const u of users) registerUser(app, u, now)
      return users.length
    },
    deleteUser: (app: string, id: string): boolean => {
      // No such user: a 404 that changes nothing (not even rows a token wrote before registering).
      if (st.deleteUser.run(app, id).changes === 0) return false
      for (const s of st.deleteUserRows) s.run(app, id)
      return true
    },
    putEventType: (app: string, t: EventTypeRecord) => {
      st.putEventType.run(app, t.name, t.title, t.description)
      st.bumpCatalog.run()
    },
    deleteEventType: (app: string, name: string): boolean => {
      const gone = st.deleteEventType.run(app, name).changes > 0
      st.bumpCatalog.run()
      return gone
    },
    putPreferences: (app: string, user: string, prefs: ReadonlyArray<PreferenceRecord>) => {
      for (const p of prefs) st.putPreference.run(app, user, p.type, +p.inApp, +p.email, +p.push)
    },

    notify: (job: NotifyJob): SqliteNotifyOutcome => {
      const { app, fields, callId } = job
      const now = fields.createdAt
      const idem = job.idempotency
      if (idem !== undefined) {
        const prior = st.findKey.get(app, idem.key, idem.notBefore) as [string, string | null] | undefined
        if (prior !== undefined) {
          // Keys saved before bodies were hashed match any body: their first answer stands.
          if (prior[1] !== null && prior[1] !== idem.bodyHash) return { _tag: "Conflict" }
          return { _tag: "Repeated", response: JSON.parse(prior[0]) as NotifyResponse }
        }
      }
      const audience = audienceOf(job)
      if ("unknownTopic" in audience) return { _tag: "UnknownTopic", key: audience.unknownTopic }
      const { users, seqs, topics } = audience
      const live = new Set(job.online)
      let online = 0
      for (let i = 0; i < users.length; i++) {
        const user = users[i]!
        const seq = seqs[i]!
        const id = recipientId(job.stem, i)
        st.insertNotification.run(app, id, user, callId, seq, now, topics?.[i] ?? null)
        st.insertNotificationEntry.run(app, user, seq, now, callId, id)
        if (live.has(user)) online++
      }
      const mail = queueEmails(job, users)
      const pushed = queuePushes(job, users)
      const response: NotifyResponse = {
        id: callId,
        recipients: users.length,
        online,
        emails: mail.emails,
        pushes: pushed.pushes
      }
      // By name: the job's ids and texts, the call's fields (`@type` … `@createdAt`), the counts.
      const named = { ...fields, push: job.push ?? null, recipients: users.length, online }
      st.insertCall.run({ ...job, ...named, emailsSkipped: mail.skipped, pushesSkipped: pushed.skipped })
      if (idem !== undefined) st.saveKey.run(app, idem.key, JSON.stringify(response), now, idem.bodyHash)
      if (users.length > 0) bumpStats(app, now, { notifications: users.length })
      // Recipients and seqs only: the caller builds the frames (notificationEntries), so a
      // broadcast's thousands of frames never cross between threads as escaped JSON.
      return { _tag: "Stored", response, users, seqs, ...(topics === undefined ? {} : { topics }) }
    },

    mark: (app: string, user: string, kind: MarkKind, target: MarkTarget, now: string) => {
      const params = "ids" in target ? { app, user, ids: JSON.stringify(target.ids) } : { app, user }
      // A read also marks seen what was not: counted as seen too.
      const newlySeen =
        kind === "read"
          ? (("ids" in target ? st.unseenBeforeRead.some : st.unseenBeforeRead.all).get(params) as number)
          : 0
      const rows = (
        "ids" in target
          ? st.mark[kind].some.all({ app, user, now, ids: JSON.stringify(target.ids) })
          : st.mark[kind].all.all({ app, user, now })
      ) as Array<[string, number, string | null]>
      if (rows.length === 0) return { ids: [], entries: [] }
      rows.sort((a, b) => a[1] - b[1])
      const ids = rows.map((r) => r[0])
      const seq = st.nextSeq.get(app, user) as number
      const payload = encodeMarkFrame(kind, seq, ids)
      st.insertMarkEntry.run(app, user, seq, now, payload)
      if (kind === "seen") bumpStats(app, now, { seen: ids.length })
      if (kind === "read") bumpStats(app, now, { seen: newlySeen, read: ids.length })
      return { ids, entries: [{ user, seq, payload }], queued: webhooks.marked(app, user, kind, rows, now) }
    },

    markDelivered: (receipts: ReadonlyArray<Receipt>): number => {
      const fresh = receipts.filter((r) => st.setDelivered.run(r.at, r.app, r.id).changes > 0)
      for (const c of countByMinute(fresh)) bumpStats(c.app, c.at, { delivered: c.n })
      webhooks.delivered(fresh)
      return fresh.length
    },

    prune: (
      before: string,
      keep: number,
      keysBefore: string,
      statsBefore: Readonly<Record<Grain, string>>
    ): number => {
      const old = st.pruneOld.run(before).changes
      const over = st.pruneOver.run(keep).changes
      st.pruneKeys.run(keysBefore)
      outbox.prune(before)
      for (const [grain, t] of Object.entries(statsBefore)) st.pruneStats.run(grain, t)
      return old + over
    }
  }
}

/** The write operations of the SQLite store. */
export type SqliteWrites = ReturnType<typeof makeSqliteWrites>
