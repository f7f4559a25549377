/**
 * The email outbox's writes on SQLite (emailStore.ts), run on the writer thread like every
 * other write (sqliteWrites.ts): a notify call's jobs inside its own transaction, and the
 * worker's claims and settlements, over statements prepared once.
 */
import type { Database } from "better-sqlite3"
import type { NotifyJob } from "../notify/NotifyStore.js"
import { claimedEmailOf, planEmails } from "./emailPlan.js"
import type { ClaimedEmail, EmailSettlement } from "./emailStore.js"
import type { SqliteStatsBump } from "../stats/sqliteBuckets.js"

/**
 * Prepares the outbox statements on `db` and answers its writes; a message sent or failed is
 * counted in its app's statistics buckets (`bumpStats`) in the same transaction.
 */
export const makeSqliteEmailWrites = (db: Database, bumpStats: SqliteStatsBump) => {
  const prepare = (text: string) => db.prepare(text)
  const st = {
    addressesOf: prepare(`SELECT id, email FROM users WHERE app = ? AND email IS NOT NULL
      AND id IN (SELECT value FROM json_each(?))`).raw(),
    addressesAll: prepare("SELECT id, email FROM users WHERE app = ? AND email IS NOT NULL").raw(),
    emailOff: prepare("SELECT user_id FROM preferences WHERE app = ? AND type = ? AND email = 0").pluck(),
    insertJob: prepare(`INSERT INTO email_jobs (id, app, call_id, notification_id, user_id, recipients,
        recheck, created_at, due_at, attempts, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'queued')`),
    claim: prepare(`UPDATE email_jobs SET lease_until = @lease, attempts = attempts + 1
      WHERE id IN (SELECT id FROM email_jobs WHERE state = 'queued' AND due_at <= @now
        AND (lease_until IS NULL OR lease_until <= @now) ORDER BY due_at LIMIT @limit)
      RETURNING id, app, call_id, notification_id, recipients, recheck, attempts`),
    sent: prepare(`UPDATE email_jobs SET state = 'sent', sent_at = ?, recipients = ?, lease_until = NULL,
      last_error = NULL WHERE id = ? RETURNING app`).pluck(),
    failed: prepare(`UPDATE email_jobs SET state = 'failed', failed_at = ?, last_error = ?, lease_until = NULL
      WHERE id = ? RETURNING app`).pluck(),
    later: prepare("UPDATE email_jobs SET due_at = ?, last_error = ?, lease_until = NULL WHERE id = ?"),
    cancelled: prepare("UPDATE email_jobs SET state = 'cancelled', lease_until = NULL WHERE id = ?"),
    retryIds: prepare(`UPDATE email_jobs SET state = 'queued', due_at = @now, attempts = 0, failed_at = NULL,
      lease_until = NULL WHERE state = 'failed' AND (@app IS NULL OR app = @app)
        AND id IN (SELECT value FROM json_each(@ids))`),
    retryAll: prepare(`UPDATE email_jobs SET state = 'queued', due_at = @now, attempts = 0, failed_at = NULL,
      lease_until = NULL WHERE state = 'failed' AND (@app IS NULL OR app = @app)`)
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
        users,
        online: job.online,
        addresses: new Map(rows),
        emailOff: new Set(type === null ? [] : (st.emailOff.all(job.app, type) as Array<string>)),
        createdAt: job.fields.createdAt
      })
      for (const j of jobs) {
        st.insertJob.run(
          j.id,
          job.app,
          job.callId,
          j.notificationId,
          j.user,
          j.recipients,
          j.recheck ? 1 : 0,
          job.fields.createdAt,
          j.dueAt
        )
      }
      return { emails: jobs.length, skipped }
    },

    claimEmails: (now: string, leaseUntil: string, limit: number): Array<ClaimedEmail> =>
      (st.claim.all({ now, lease: leaseUntil, limit }) as Array<Record<string, unknown>>).map(claimedEmailOf),

    settleEmail: (id: string, outcome: EmailSettlement) => {
      switch (outcome.state) {
        case "sent": {
          const app = st.sent.get(outcome.at, JSON.stringify(outcome.recipients), id) as string | undefined
          if (app !== undefined) bumpStats(app, outcome.at, { emails: 1 })
          return
        }
        case "failed": {
          const app = st.failed.get(outcome.at, outcome.error, id) as string | undefined
          if (app !== undefined) bumpStats(app, outcome.at, { emailsFailed: 1 })
          return
        }
        case "retry":
          st.later.run(outcome.dueAt, outcome.error, id)
          return
        case "cancelled":
          st.cancelled.run(id)
      }
    },

    retryEmails: (app: string | undefined, ids: ReadonlyArray<string>, now: string): number =>
      (ids.length === 0
        ? st.retryAll.run({ now, app: app ?? null })
        : st.retryIds.run({ now, app: app ?? null, ids: JSON.stringify(ids) })
      ).changes
  }
}
