/**
 * Email's part of the Store (emailStore.ts) over any `@effect/sql` client, portable between
 * SQLite and PostgreSQL: what a message is made of, who has still not seen theirs, one call's
 * delivery and email states; the failed jobs and their retry are the outbox's, of kind `email`.
 */
import { SqlClient } from "@effect/sql"
import type { EmailState } from "@pushback/protocol"
import { Effect } from "effect"
import type { OutboxRecord, OutboxStoreShape } from "../outbox/OutboxStore.js"
import { EMAIL, type EmailJobRecord, emailPayloadOf, type EmailStoreShape } from "./emailStore.js"

type Row = Record<string, unknown>
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

/** A job's state as a recipient's `email` in `GET /v1/notify/{callId}`. */
const shownState = (state: unknown): EmailState =>
  state === "queued" || state === "sent" || state === "failed" ? state : "none"

const toJob = (r: OutboxRecord): EmailJobRecord => ({
  id: r.id,
  app: r.app,
  callId: String(r.callId),
  to: emailPayloadOf(r.payload).recipients.map((x) => x.email),
  state: r.state,
  attempts: r.attempts,
  lastError: r.lastError,
  createdAt: r.createdAt,
  failedAt: r.settledAt
})

/** Email's part of the Store on the SqlClient in context, its jobs in `outbox`. */
export const makeEmailStore = (outbox: Pick<OutboxStoreShape, "failed" | "retry">) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const reads: EmailStoreShape = {
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
      failed: (app, limit) => Effect.map(outbox.failed(EMAIL, app, limit), (jobs) => jobs.map(toJob)),
      retry: (app, ids, now) => outbox.retry(EMAIL, app, ids, now),
      call: (app, callId, limit, offset) =>
        Effect.gen(function* () {
          const [c] = yield* sql`SELECT id, created_at, recipients, online, emails_skipped FROM notify_calls
          WHERE app = ${app} AND id = ${callId}`
          if (c === undefined) return undefined
          const jobs = yield* sql`SELECT notification_id, payload, state, last_error FROM outbox
          WHERE app = ${app} AND call_id = ${callId} AND kind = ${EMAIL}`
          const emails = { queued: 0, sent: 0, failed: 0, skipped: Number(c["emails_skipped"]) }
          // A recipient's job: their own, or the call's bcc job when they are in it.
          const jobOf = new Map<string, Row>()
          for (const j of jobs) {
            const state = shownState(j["state"])
            if (state !== "none") emails[state]++
            if (j["notification_id"] !== null) jobOf.set(String(j["notification_id"]), j)
            else for (const r of emailPayloadOf(String(j["payload"])).recipients) jobOf.set(r.notification, j)
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
