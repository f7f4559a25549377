/**
 * The email outbox's writes on PostgreSQL (emailStore.ts), with the semantics of
 * sqliteEmailWrites.ts: a notify call's jobs inside its own transaction, and claims that
 * several nodes make at once — `FOR UPDATE SKIP LOCKED`, so each due job goes to one node,
 * and a node never waits for the rows another is claiming (PROTOCOL.md §6). A message sent or
 * failed is counted in its app's statistics buckets in the same transaction.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { NotifyJob } from "../notify/NotifyStore.js"
import { claimedEmailOf, planEmails } from "./emailPlan.js"
import type { EmailStoreShape } from "./emailStore.js"
import { pgStatsBump } from "../stats/pgBuckets.js"

type Sql = SqlClient.SqlClient

/** The outbox writes over `sql`; `transaction` wraps each in one. */
export const makePgEmails = (
  sql: Sql,
  transaction: <A>(effect: Effect.Effect<A, unknown>) => Effect.Effect<A>
) => {
  /** Writes a stored call's jobs; runs inside the notify transaction (`users` locked by it). */
  const queueEmails = (job: NotifyJob, users: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const plan = job.emailPlan
      if (plan === undefined || users.length === 0) return { emails: 0, skipped: 0 }
      const { app } = job
      const type = job.fields.type
      const addresses =
        job.users === undefined
          ? yield* sql`SELECT id, email FROM users WHERE app = ${app} AND email IS NOT NULL`
          : yield* sql`SELECT id, email FROM users WHERE app = ${app} AND email IS NOT NULL
              AND id = ANY(${[...users]}::text[])`
      const off =
        type === null
          ? []
          : yield* sql`SELECT user_id FROM preferences WHERE app = ${app} AND type = ${type} AND email = 0`
      const { jobs, skipped } = planEmails(plan, {
        stem: job.stem,
        users,
        online: job.online,
        addresses: new Map(addresses.map((r) => [String(r["id"]), String(r["email"])])),
        emailOff: new Set(off.map((r) => String(r["user_id"]))),
        createdAt: job.fields.createdAt
      })
      if (jobs.length > 0) {
        yield* sql`INSERT INTO email_jobs (id, app, call_id, notification_id, user_id, recipients, recheck,
            created_at, due_at, attempts, state)
          SELECT r.id, ${app}, ${job.callId}, r.notification_id, r.user_id, r.recipients, r.recheck,
            ${job.fields.createdAt}, r.due_at, 0, 'queued'
          FROM unnest(${jobs.map((j) => j.id)}::text[], ${jobs.map((j) => j.notificationId)}::text[],
            ${jobs.map((j) => j.user)}::text[], ${jobs.map((j) => j.recipients)}::text[],
            ${jobs.map((j) => (j.recheck ? 1 : 0))}::int[], ${jobs.map((j) => j.dueAt)}::text[])
            AS r(id, notification_id, user_id, recipients, recheck, due_at)`
      }
      return { emails: jobs.length, skipped }
    })

  const writes: Pick<EmailStoreShape, "claim" | "settle" | "retry"> = {
    claim: (now, leaseUntil, limit) =>
      transaction(
        sql`UPDATE email_jobs j SET lease_until = ${leaseUntil}, attempts = j.attempts + 1
          FROM (SELECT id FROM email_jobs WHERE state = 'queued' AND due_at <= ${now}
              AND (lease_until IS NULL OR lease_until <= ${now})
            ORDER BY due_at LIMIT ${limit} FOR UPDATE SKIP LOCKED) due
          WHERE j.id = due.id
          RETURNING j.id, j.app, j.call_id, j.notification_id, j.recipients, j.recheck, j.attempts`.pipe(
          Effect.map((rows) => rows.map(claimedEmailOf))
        )
      ),
    settle: (id, outcome) => {
      switch (outcome.state) {
        case "sent":
          return transaction(
            Effect.gen(function* () {
              const [row] = yield* sql`UPDATE email_jobs SET state = 'sent', sent_at = ${outcome.at},
                recipients = ${JSON.stringify(outcome.recipients)}, lease_until = NULL, last_error = NULL
                WHERE id = ${id} RETURNING app`
              if (row !== undefined) yield* pgStatsBump(sql, String(row["app"]), outcome.at, { emails: 1 })
            })
          )
        case "failed":
          return transaction(
            Effect.gen(function* () {
              const [row] = yield* sql`UPDATE email_jobs SET state = 'failed', failed_at = ${outcome.at},
                last_error = ${outcome.error}, lease_until = NULL WHERE id = ${id} RETURNING app`
              if (row !== undefined)
                yield* pgStatsBump(sql, String(row["app"]), outcome.at, { emailsFailed: 1 })
            })
          )
        case "retry":
          return transaction(
            sql`UPDATE email_jobs SET due_at = ${outcome.dueAt}, last_error = ${outcome.error}, lease_until = NULL
              WHERE id = ${id}`.pipe(Effect.asVoid)
          )
        case "cancelled":
          return transaction(
            sql`UPDATE email_jobs SET state = 'cancelled', lease_until = NULL WHERE id = ${id}`.pipe(
              Effect.asVoid
            )
          )
      }
    },
    retry: (app, ids, now) =>
      transaction(
        sql`WITH r AS (UPDATE email_jobs SET state = 'queued', due_at = ${now}, attempts = 0, failed_at = NULL,
            lease_until = NULL
          WHERE state = 'failed' AND (${app ?? null}::text IS NULL OR app = ${app ?? null})
            AND (${ids.length === 0}::boolean OR id = ANY(${[...ids]}::text[])) RETURNING 1)
          SELECT COUNT(*) AS n FROM r`.pipe(Effect.map(([r]) => Number(r?.["n"] ?? 0)))
      )
  }
  return { queueEmails, writes }
}
