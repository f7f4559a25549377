/**
 * The reads of the email outbox (emailStore.ts) over any `@effect/sql` client, portable
 * between SQLite and PostgreSQL: when the next job is due, what a message is made of, who has
 * still not seen theirs, the failed jobs, and one call's delivery and email states.
 */
import { SqlClient } from "@effect/sql"
import type { EmailState } from "@pushback/protocol"
import { Effect } from "effect"
import type { EmailJobRecord, EmailRecipient, EmailStoreShape } from "./emailStore.js"

type Row = Record<string, unknown>
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

/** A job's state as a recipient's `email` in `GET /v1/notify/{callId}`. */
const shownState = (state: unknown): EmailState =>
  state === "queued" || state === "sent" || state === "failed" ? state : "none"

const toJob = (r: Row): EmailJobRecord => ({
  id: String(r["id"]),
  app: String(r["app"]),
  callId: String(r["call_id"]),
  to: (JSON.parse(String(r["recipients"])) as Array<EmailRecipient>).map((x) => x.email),
  state: String(r["state"]),
  attempts: Number(r["attempts"]),
  lastError: strOrNull(r["last_error"]),
  createdAt: String(r["created_at"]),
  failedAt: strOrNull(r["failed_at"])
})

/** The outbox reads on the SqlClient in context. */
export const makeEmailReads = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const reads: Pick<EmailStoreShape, "nextDue" | "content" | "unseen" | "failed" | "call"> = {
    // A held job is due again when its lease ends.
    nextDue: sql`SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > due_at
        THEN lease_until ELSE due_at END) AS t FROM email_jobs WHERE state = 'queued'`.pipe(
      Effect.map(([r]) => strOrNull(r?.["t"])),
      Effect.orDie
    ),
    content: (app, callId) =>
      sql`SELECT type, title, content, url, email FROM notify_calls WHERE app = ${app} AND id = ${callId}`.pipe(
        Effect.map(([r]) =>
          r === undefined
            ? undefined
            : {
                type: strOrNull(r["type"]),
                title: strOrNull(r["title"]),
                content: String(r["content"]),
                url: strOrNull(r["url"]),
                email: strOrNull(r["email"])
              }
        ),
        Effect.orDie
      ),
    unseen: (app, ids) =>
      ids.length === 0
        ? Effect.succeed(new Set<string>())
        : sql`SELECT id FROM notifications WHERE app = ${app} AND ${sql.in("id", ids)} AND seen_at IS NULL`.pipe(
            Effect.map((rows) => new Set(rows.map((r) => String(r["id"])))),
            Effect.orDie
          ),
    failed: (app, limit) =>
      (app === undefined
        ? sql`SELECT * FROM email_jobs WHERE state = 'failed' ORDER BY failed_at DESC, id LIMIT ${limit}`
        : sql`SELECT * FROM email_jobs WHERE state = 'failed' AND app = ${app}
            ORDER BY failed_at DESC, id LIMIT ${limit}`
      ).pipe(
        Effect.map((rows) => rows.map(toJob)),
        Effect.orDie
      ),
    call: (app, callId, limit, offset) =>
      Effect.gen(function* () {
        const [c] = yield* sql`SELECT id, created_at, recipients, online, emails_skipped FROM notify_calls
          WHERE app = ${app} AND id = ${callId}`
        if (c === undefined) return undefined
        const jobs = yield* sql`SELECT notification_id, recipients, state, last_error FROM email_jobs
          WHERE app = ${app} AND call_id = ${callId}`
        const emails = { queued: 0, sent: 0, failed: 0, skipped: Number(c["emails_skipped"]) }
        // A recipient's job: their own, or the call's bcc job when they are in it.
        const jobOf = new Map<string, Row>()
        for (const j of jobs) {
          const state = shownState(j["state"])
          if (state !== "none") emails[state]++
          if (j["notification_id"] !== null) jobOf.set(String(j["notification_id"]), j)
          else
            for (const r of JSON.parse(String(j["recipients"])) as Array<EmailRecipient>)
              jobOf.set(r.notification, j)
        }
        const rows = yield* sql`SELECT id, user_id, delivered_at, seen_at, read_at FROM notifications
          WHERE app = ${app} AND call_id = ${callId} ORDER BY user_id, id LIMIT ${limit} OFFSET ${offset}`
        const results = rows.map((r) => {
          const job = jobOf.get(String(r["id"]))
          const email = shownState(job?.["state"])
          const error = job === undefined ? null : strOrNull(job["last_error"])
          return {
            user: String(r["user_id"]),
            notification: String(r["id"]),
            deliveredAt: strOrNull(r["delivered_at"]),
            seenAt: strOrNull(r["seen_at"]),
            readAt: strOrNull(r["read_at"]),
            email,
            // The last attempt's error, while it matters: being retried, or given up on.
            ...(error !== null && (email === "queued" || email === "failed") ? { emailError: error } : {})
          }
        })
        return {
          id: String(c["id"]),
          createdAt: String(c["created_at"]),
          recipients: Number(c["recipients"]),
          online: Number(c["online"]),
          emails,
          results
        }
      }).pipe(Effect.orDie)
  }
  return reads
})
