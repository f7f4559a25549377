/**
 * EmailOutbox: the worker that sends what notify calls queued (PROTOCOL.md §7). One per node
 * process; every node claims due jobs under a lease (the store makes each claim one node's),
 * so on several nodes each job is sent by one of them, and a job a dead node held is taken up
 * again when its lease ends. It sleeps until the next job is due (or `pollMs`, for jobs other
 * nodes queue), and a local notify that queued mail wakes it at once. An SMTP server that is
 * down only delays mail: the job is retried with exponential backoff for about a day; a 5xx
 * answer fails it for good, its error kept for `GET /v1/notify/{callId}` and the CLI.
 */
import { Context, Effect, Either, Layer, Queue } from "effect"
import { Config, type EmailTuning } from "../config/Config.js"
import { renderEmail } from "./EmailMessage.js"
import { Mailer, layerSmtpMailer } from "./Mailer.js"
import { Metrics } from "../stats/Metrics.js"
import { Store } from "../storage/Store.js"
import type { ClaimedEmail, EmailSettlement } from "./emailStore.js"

/** The EmailOutbox interface. */
export interface EmailOutboxShape {
  /** Whether an SMTP server is configured: without one, notify queues no mail. */
  readonly enabled: boolean
  /** Looks for due jobs now (a notify just queued some). */
  readonly wake: () => void
  /** Says once, in the log, that mail was asked for but no SMTP server is configured. */
  readonly unconfigured: () => void
}

/** The EmailOutbox service tag. */
export class EmailOutbox extends Context.Tag("@pushback/server/EmailOutbox")<
  EmailOutbox,
  EmailOutboxShape
>() {}

/** Jobs claimed at once, and sent at once. */
const BATCH = 16
const CONCURRENCY = 4

/** The delay before retry `attempt` (1-based): doubling from `retryMs`, at most `retryMaxMs`. */
export const retryDelayMs = (tuning: EmailTuning, attempt: number): number =>
  Math.min(tuning.retryMs * 2 ** Math.min(attempt - 1, 40), tuning.retryMaxMs)

/** Whether a job that failed `attempts` times has used its retry budget (`retryForSeconds`). */
export const retriesExhausted = (tuning: EmailTuning, attempts: number): boolean => {
  let waited = 0
  for (let a = 1; a <= attempts; a++) waited += retryDelayMs(tuning, a)
  return waited >= tuning.retryForSeconds * 1000
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The worker, on the Mailer in context; runs until its scope closes. */
export const makeEmailWorker = Effect.gen(function* () {
  const store = yield* Store
  const config = yield* Config
  const metrics = yield* Metrics
  const mailer = yield* Mailer
  const tuning = config.email
  const wakeups = yield* Queue.sliding<void>(1)

  /** What sending one claimed job ended with. */
  const attempt = (job: ClaimedEmail): Effect.Effect<EmailSettlement> =>
    Effect.gen(function* () {
      const call = yield* store.emails.content(job.app, job.callId)
      if (call === undefined) return { state: "cancelled" } as const
      let recipients = job.recipients
      if (job.recheck) {
        const unseen = yield* store.emails.unseen(
          job.app,
          recipients.map((r) => r.notification)
        )
        recipients = recipients.filter((r) => unseen.has(r.notification))
      }
      if (recipients.length === 0) return { state: "cancelled" } as const
      const message = renderEmail(call, job, recipients, config.emailFrom)
      const sent = yield* Effect.either(mailer.send(message))
      const now = Date.now()
      if (Either.isRight(sent)) return { state: "sent", at: iso(now), recipients } as const
      const error = sent.left.message
      if (sent.left.permanent || retriesExhausted(tuning, job.attempts)) {
        return { state: "failed", at: iso(now), error } as const
      }
      return { state: "retry", dueAt: iso(now + retryDelayMs(tuning, job.attempts)), error } as const
    })

  const handle = (job: ClaimedEmail) =>
    Effect.gen(function* () {
      const outcome = yield* attempt(job).pipe(
        Effect.catchAllDefect((defect) =>
          Effect.succeed<EmailSettlement>({ state: "failed", at: iso(Date.now()), error: String(defect) })
        )
      )
      yield* store.emails.settle(job.id, outcome)
      if (outcome.state === "sent") metrics.counters.emailsSent++
      if (outcome.state === "failed") {
        metrics.counters.emailsFailed++
        console.error(`[pushback] email ${job.id} failed: ${outcome.error}`)
      }
    })

  /** Sends what is due; answers how long to wait before looking again. */
  const round = Effect.gen(function* () {
    const next = yield* store.emails.nextDue
    const now = Date.now()
    if (next !== null && Date.parse(next) <= now) {
      const claimed = yield* store.emails.claim(iso(now), iso(now + tuning.leaseSeconds * 1000), BATCH)
      // A send under way finishes (and is settled) even when the node is stopping.
      yield* Effect.forEach(claimed, (job) => Effect.uninterruptible(handle(job)), {
        concurrency: CONCURRENCY,
        discard: true
      })
      if (claimed.length === BATCH) return 0
      // Some were due but held by a node: the next look comes from nextDue (their lease's end).
      if (claimed.length === 0) return Math.min(tuning.pollMs, 100)
      return 0
    }
    return next === null ? tuning.pollMs : Math.min(tuning.pollMs, Date.parse(next) - now)
  }).pipe(
    // A store that is unreachable for a while: look again later, never stop.
    Effect.catchAllCause((cause) =>
      Effect.sync(() => {
        console.error(`[pushback] the email outbox failed a round: ${String(cause)}`)
        return tuning.pollMs
      })
    )
  )

  yield* Effect.forkScoped(
    Effect.forever(
      Effect.gen(function* () {
        const wait = yield* round
        if (wait > 0) yield* Effect.ignore(Effect.timeout(Queue.take(wakeups), wait))
      })
    )
  )
  return {
    enabled: true,
    wake: () => {
      Queue.unsafeOffer(wakeups, undefined)
    },
    unconfigured: () => undefined
  } satisfies EmailOutboxShape
})

/** The outbox of a node without an SMTP server: notify queues no mail, and says so once. */
const disabled = (): EmailOutboxShape => {
  let said = false
  return {
    enabled: false,
    wake: () => undefined,
    unconfigured: () => {
      if (said) return
      said = true
      console.log(
        "[pushback] a notify call asked for email, but no SMTP server is configured (--smtp): none is sent"
      )
    }
  }
}

/** The EmailOutbox layer: a worker on the configured SMTP server, or the disabled outbox. */
export const layerEmailOutbox: Layer.Layer<EmailOutbox, never, Config | Store | Metrics> = Layer.unwrapEffect(
  Effect.map(Config, (config) =>
    config.smtpUrl === undefined
      ? Layer.sync(EmailOutbox, disabled)
      : Layer.scoped(EmailOutbox, makeEmailWorker).pipe(Layer.provide(layerSmtpMailer(config.smtpUrl)))
  )
)
