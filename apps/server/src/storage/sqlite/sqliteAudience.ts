/**
 * Who a notify call reaches on SQLite, and each recipient's next `seq` (PROTOCOL.md §6, §11),
 * run on the writer thread inside the call's transaction (sqliteWrites.ts): the named users
 * (registered by the call), every registered user when it names none, or the subscribers of
 * its topics — each user once, through the first listed topic that holds them — less the users
 * it excludes, those whose preferences refuse its type, and those who muted every topic that
 * reaches them. A topic that does not exist ends the call before anything is written.
 */
import type { Database } from "better-sqlite3"
import type { NotifyJob } from "../../notify/NotifyStore.js"
import type { UserInput } from "../../tenancy/TenancyStore.js"

/** A call's recipients in notification order, with their seqs and the topic that reached each. */
export interface Audience {
  readonly users: Array<string>
  readonly seqs: Array<number>
  /** Present when the call names topics: each recipient's topic, null when named. */
  readonly topics?: Array<string | null>
}

/** Prepares the audience statements on `db`; `register` upserts a user as every write does. */
export const makeSqliteAudience = (
  db: Database,
  register: (app: string, user: UserInput, now: string) => void
) => {
  const prepare = (text: string) => db.prepare(text)
  const st = {
    // A named recipient: registered, and its seq moved, in one statement (a new user starts at 1).
    upsertUserNextSeq:
      prepare(`INSERT INTO users (app, id, email, name, created_at, seq) VALUES (?, ?, ?, ?, ?, 1)
      ON CONFLICT (app, id) DO UPDATE SET seq = users.seq + 1,
        email = COALESCE(excluded.email, users.email), name = COALESCE(excluded.name, users.name)
      RETURNING seq`).pluck(),
    nextSeq: prepare("UPDATE users SET seq = seq + 1 WHERE app = ? AND id = ? RETURNING seq").pluck(),
    // Every user of the app but the excluded (a JSON array) and, for a type, those who refuse it.
    // better-sqlite3 binds `?` in order only (numbered `?1` fails): the app is given twice.
    nextSeqAll: prepare(`UPDATE users SET seq = seq + 1 WHERE app = ?
        AND id NOT IN (SELECT value FROM json_each(?)) RETURNING id, seq`).raw(),
    nextSeqAllOptedIn: prepare(`UPDATE users SET seq = seq + 1 WHERE app = ?
        AND id NOT IN (SELECT value FROM json_each(?))
        AND id NOT IN (SELECT user_id FROM preferences WHERE app = ? AND type = ? AND in_app = 0)
      RETURNING id, seq`).raw(),
    optedOut: prepare("SELECT user_id FROM preferences WHERE app = ? AND type = ? AND in_app = 0").pluck(),
    topicExists: prepare("SELECT 1 FROM topics WHERE app = ? AND key = ?").pluck(),
    subscribers: prepare(
      "SELECT user_id FROM topic_subscribers WHERE app = ? AND topic = ? ORDER BY user_id"
    ).pluck(),
    mutedIn: prepare("SELECT user_id FROM topic_mutes WHERE app = ? AND topic = ?").pluck()
  }

  /** The audience of `job`, or the first of its topics that does not exist. */
  return (job: NotifyJob): Audience | { readonly unknownTopic: string } => {
    const { app, fields } = job
    const now = fields.createdAt
    const excluded = job.exclude ?? []
    if (job.users === undefined && job.topics === undefined) {
      const rows = (
        fields.type === null
          ? st.nextSeqAll.all(app, JSON.stringify(excluded))
          : st.nextSeqAllOptedIn.all(app, JSON.stringify(excluded), app, fields.type)
      ) as Array<[string, number]>
      return { users: rows.map((r) => r[0]), seqs: rows.map((r) => r[1]) }
    }
    for (const key of job.topics ?? []) {
      if (st.topicExists.get(app, key) === undefined) return { unknownTopic: key }
    }
    const skip = new Set(excluded)
    if (fields.type !== null) for (const u of st.optedOut.all(app, fields.type) as Array<string>) skip.add(u)
    const users: Array<string> = []
    const seqs: Array<number> = []
    const topics: Array<string | null> = []
    const reached = new Set<string>()
    for (const u of job.users ?? []) {
      reached.add(u.id)
      if (skip.has(u.id)) {
        register(app, u, now)
        continue
      }
      users.push(u.id)
      seqs.push(st.upsertUserNextSeq.get(app, u.id, u.email ?? null, u.name ?? null, now) as number)
      topics.push(null)
    }
    for (const key of job.topics ?? []) {
      const muted = new Set(st.mutedIn.all(app, key) as Array<string>)
      for (const user of st.subscribers.all(app, key) as Array<string>) {
        if (reached.has(user) || skip.has(user) || muted.has(user)) continue
        const seq = st.nextSeq.get(app, user) as number | undefined
        if (seq === undefined) continue // erased since it subscribed (cannot happen: erasing unsubscribes)
        reached.add(user)
        users.push(user)
        seqs.push(seq)
        topics.push(key)
      }
    }
    return job.topics === undefined ? { users, seqs } : { users, seqs, topics }
  }
}
