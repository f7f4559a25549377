/**
 * Push's part of a notify call's transaction (PROTOCOL.md §14), on both stores: the facts the
 * plan needs (the recipients' subscriptions, who turned push off for the call's type) read on
 * the transaction's own connection, the plan made (pushPlan.ts), and its jobs written to the
 * outbox. SQLite runs it on the writer thread (storage/sqlite/sqliteWrites.ts), PostgreSQL
 * inside the one-call notify transaction (storage/postgres/pgNotify.ts).
 */
import type { SqlClient } from "@effect/sql"
import type { Database } from "better-sqlite3"
import { Effect } from "effect"
import type { NotifyJob } from "../notify/NotifyStore.js"
import { pgEnqueue } from "../outbox/pgOutbox.js"
import type { SqliteEnqueue } from "../outbox/sqliteOutbox.js"
import { planPushes } from "./pushPlan.js"

/** What a call's pushes came to: messages queued, and recipients with no subscription. */
export interface Queued {
  readonly pushes: number
  readonly skipped: number
}

const NONE: Queued = { pushes: 0, skipped: 0 }

/** The subscriptions of `rows` (`[user, id]`) by user, in the order given. */
const byUser = (rows: ReadonlyArray<readonly [string, string]>) => {
  const subs = new Map<string, Array<string>>()
  for (const [user, id] of rows) {
    const list = subs.get(user)
    if (list === undefined) subs.set(user, [id])
    else list.push(id)
  }
  return subs
}

/** SQLite: prepares the statements on `db`; `queuePushes` runs inside the call's transaction. */
export const makeSqlitePushQueue = (db: Database, enqueue: SqliteEnqueue) => {
  const st = {
    subsOf: db
      .prepare(`SELECT user_id, id FROM push_subscriptions WHERE app = ?
        AND user_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, id`)
      .raw(),
    subsAll: db
      .prepare("SELECT user_id, id FROM push_subscriptions WHERE app = ? ORDER BY created_at, id")
      .raw(),
    pushOff: db.prepare("SELECT user_id FROM preferences WHERE app = ? AND type = ? AND push = 0").pluck()
  }
  return {
    /** Writes a stored call's push jobs; answers how many and how many recipients had no subscription. */
    queuePushes: (job: NotifyJob, users: ReadonlyArray<string>): Queued => {
      const plan = job.pushPlan
      if (plan === undefined || users.length === 0) return NONE
      const rows = (
        job.users === undefined ? st.subsAll.all(job.app) : st.subsOf.all(job.app, JSON.stringify(users))
      ) as Array<[string, string]>
      const type = job.fields.type
      const { jobs, skipped } = planPushes(plan, {
        stem: job.stem,
        callId: job.callId,
        users,
        online: job.online,
        subscriptions: byUser(rows),
        pushOff: new Set(type === null ? [] : (st.pushOff.all(job.app, type) as Array<string>)),
        createdAt: job.fields.createdAt
      })
      enqueue(job.app, job.fields.createdAt, jobs)
      return { pushes: jobs.length, skipped }
    }
  }
}

/** PostgreSQL: a call's push jobs over `sql`, inside the notify transaction. */
export const pgQueuePushes =
  (sql: SqlClient.SqlClient) =>
  (job: NotifyJob, users: ReadonlyArray<string>): Effect.Effect<Queued, unknown> =>
    Effect.gen(function* () {
      const plan = job.pushPlan
      if (plan === undefined || users.length === 0) return NONE
      const { app } = job
      const type = job.fields.type
      const rows =
        job.users === undefined
          ? yield* sql`SELECT user_id, id FROM push_subscriptions WHERE app = ${app} ORDER BY created_at, id`
          : yield* sql`SELECT user_id, id FROM push_subscriptions WHERE app = ${app}
              AND user_id = ANY(${[...users]}::text[]) ORDER BY created_at, id`
      const off =
        type === null
          ? []
          : yield* sql`SELECT user_id FROM preferences WHERE app = ${app} AND type = ${type} AND push = 0`
      const { jobs, skipped } = planPushes(plan, {
        stem: job.stem,
        callId: job.callId,
        users,
        online: job.online,
        subscriptions: byUser(rows.map((r) => [String(r["user_id"]), String(r["id"])] as const)),
        pushOff: new Set(off.map((r) => String(r["user_id"]))),
        createdAt: job.fields.createdAt
      })
      yield* pgEnqueue(sql, app, job.fields.createdAt, jobs)
      return { pushes: jobs.length, skipped }
    })
