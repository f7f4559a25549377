/**
 * Email's write on PostgreSQL, with the semantics of sqliteEmailWrites.ts: inside a notify
 * call's transaction (storage/postgres/pgNotify.ts), who of its recipients gets an email
 * (emailPlan.ts), written as `email` jobs of the outbox.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { NotifyJob } from "../notify/NotifyStore.js"
import { pgEnqueue } from "../outbox/pgOutbox.js"
import { planEmails } from "./emailPlan.js"

/**
 * Writes a stored call's email jobs over `sql`; runs inside the notify transaction (`users`
 * locked by it). Answers how many messages were queued and how many recipients had no address.
 */
export const pgQueueEmails = (sql: SqlClient.SqlClient) => (job: NotifyJob, users: ReadonlyArray<string>) =>
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
      callId: job.callId,
      users,
      online: job.online,
      addresses: new Map(addresses.map((r) => [String(r["id"]), String(r["email"])])),
      emailOff: new Set(off.map((r) => String(r["user_id"]))),
      createdAt: job.fields.createdAt
    })
    yield* pgEnqueue(sql, app, job.fields.createdAt, jobs)
    return { emails: jobs.length, skipped }
  })
