/**
 * Email's write on SQLite, run on the writer thread inside a notify call's transaction
 * (storage/sqlite/sqliteWrites.ts): who of the call's recipients gets an email (their
 * addresses and preferences, emailPlan.ts), written as `email` jobs of the outbox.
 */
import type { Database } from "better-sqlite3"
import type { NotifyJob } from "../notify/NotifyStore.js"
import type { SqliteEnqueue } from "../outbox/sqliteOutbox.js"
import { planEmails } from "./emailPlan.js"

/** Prepares email's statements on `db`; its jobs go to the outbox through `enqueue`. */
export const makeSqliteEmailWrites = (db: Database, enqueue: SqliteEnqueue) => {
  const prepare = (text: string) => db.prepare(text)
  const st = {
    addressesOf: prepare(`SELECT id, email FROM users WHERE app = ? AND email IS NOT NULL
      AND id IN (SELECT value FROM json_each(?))`).raw(),
    addressesAll: prepare("SELECT id, email FROM users WHERE app = ? AND email IS NOT NULL").raw(),
    emailOff: prepare("SELECT user_id FROM preferences WHERE app = ? AND type = ? AND email = 0").pluck()
  }

  return {
    /**
     * Writes a stored call's email jobs (inside its transaction); answers how many messages
     * were queued and how many recipients had no address.
     */
    queueEmails: (job: NotifyJob, users: ReadonlyArray<string>): { emails: number; skipped: number } => {
      const plan = job.emailPlan
      if (plan === undefined || users.length === 0) return { emails: 0, skipped: 0 }
      const rows = (
        job.users === undefined
          ? st.addressesAll.all(job.app)
          : st.addressesOf.all(job.app, JSON.stringify(users))
      ) as Array<[string, string]>
      const type = job.fields.type
      const { jobs, skipped } = planEmails(plan, {
        stem: job.stem,
        callId: job.callId,
        users,
        online: job.online,
        addresses: new Map(rows),
        emailOff: new Set(type === null ? [] : (st.emailOff.all(job.app, type) as Array<string>)),
        createdAt: job.fields.createdAt
      })
      enqueue(job.app, job.fields.createdAt, jobs)
      return { emails: jobs.length, skipped }
    }
  }
}
