/**
 * Email, the outbox's first sender (PROTOCOL.md §7): what an `email` job says → the message
 * (EmailMessage.ts) → the Mailer. A delayed `send` mails only the recipients who have still not
 * seen theirs; nobody left, or the call gone, cancels the job. A 5xx answer fails it for good;
 * anything else is retried with exponential backoff for about a day (`email` in the config).
 * A node without an SMTP server runs no email sender: notify queues no mail, and says so once.
 */
import { Effect, Either, Layer, type Scope } from "effect"
import { Config } from "../config/Config.js"
import type { OutboxJob } from "../outbox/OutboxStore.js"
import { exponentialRetry, type Sender, type SenderSlot, type SendResult } from "../outbox/Sender.js"
import { Metrics } from "../stats/Metrics.js"
import { Store } from "../storage/Store.js"
import { webhookEvent } from "../webhooks/events.js"
import { renderEmail } from "./EmailMessage.js"
import { EMAIL, emailPayloadOf } from "./emailStore.js"
import { layerSmtpMailer, Mailer } from "./Mailer.js"

/** The email sender, on the Mailer in context. */
export const makeEmailSender: Effect.Effect<Sender, never, Config | Store | Metrics | Mailer> = Effect.gen(
  function* () {
    const store = yield* Store
    const config = yield* Config
    const metrics = yield* Metrics
    const mailer = yield* Mailer
    const tuning = config.email

    const send = (job: OutboxJob): Effect.Effect<SendResult> =>
      Effect.gen(function* () {
        const call = job.callId === null ? undefined : yield* store.emails.content(job.app, job.callId)
        if (call === undefined || job.callId === null) return { _tag: "Cancelled" } as const
        const { recipients: asked, recheck } = emailPayloadOf(job.payload)
        let recipients = asked
        if (recheck) {
          const unseen = yield* store.emails.unseen(
            job.app,
            recipients.map((r) => r.notification)
          )
          recipients = recipients.filter((r) => unseen.has(r.notification))
        }
        if (recipients.length === 0) return { _tag: "Cancelled" } as const
        const message = renderEmail(
          call,
          { id: job.id, notificationId: job.notificationId, callId: job.callId },
          recipients,
          config.emailFrom
        )
        const sent = yield* Effect.either(mailer.send(message))
        /** One webhook event per recipient (PROTOCOL.md §15), stored with the settlement. */
        const events = (type: string, more: Record<string, unknown>) =>
          recipients.map((r) =>
            webhookEvent(job.app, type, {
              user: r.user,
              notification: r.notification,
              call: job.callId ?? undefined,
              email: r.email,
              ...more
            })
          )
        if (Either.isRight(sent)) {
          // The job keeps whom it mailed.
          const payload = JSON.stringify({ recipients, recheck })
          return { _tag: "Sent", payload, events: events("email.sent", {}) } as const
        }
        const { message: error, permanent } = sent.left
        return { _tag: "Failed", error, permanent, events: events("email.failed", { error }) } as const
      })

    return {
      kind: EMAIL,
      send,
      retryIn: exponentialRetry(tuning),
      leaseMs: tuning.leaseSeconds * 1000,
      pollMs: tuning.pollMs,
      stats: { sent: { emails: 1 }, failed: { emailsFailed: 1 } },
      observe: (state) => {
        if (state === "sent") metrics.counters.emailsSent++
        else metrics.counters.emailsFailed++
      }
    } satisfies Sender
  }
)

/**
 * Email's slot in the outbox: the sender on the configured SMTP server (its connection pool
 * closed with the node), or off when there is none.
 */
export const emailSender: Effect.Effect<SenderSlot, never, Config | Store | Metrics | Scope.Scope> =
  Effect.gen(function* () {
    const config = yield* Config
    if (config.smtpUrl === undefined) {
      return {
        kind: EMAIL,
        off: "a notify call asked for email, but no SMTP server is configured (--smtp): none is sent"
      }
    }
    const mailer = yield* Layer.build(layerSmtpMailer(config.smtpUrl))
    return yield* Effect.provide(makeEmailSender, mailer)
  })
