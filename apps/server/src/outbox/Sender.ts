/**
 * What a kind of outbox job brings to the one worker (Outbox.ts): the sender that carries a
 * claimed job out (email: the job → the message → the Mailer), its retry schedule, its lease
 * and polling, what a sent or failed job counts in the statistics, and its metrics hook.
 * A new kind (web push, webhooks) is a new Sender and the rows its cause writes; the worker,
 * the store and the table stay as they are.
 */
import type { Effect } from "effect"
import type { StatsCounts } from "../stats/statsBuckets.js"
import type { WebhookEventRow } from "../webhooks/WebhookStore.js"
import type { OutboxJob } from "./OutboxStore.js"

/** What one attempt at a job ended with. */
export type SendResult =
  /** Done; `payload`, when given, replaces the job's (what was done, when it differs from what was asked). */
  | {
      readonly _tag: "Sent"
      readonly payload?: string | undefined
      /** Webhook events the send causes (`email.sent`), stored with its settlement. */
      readonly events?: ReadonlyArray<WebhookEventRow> | undefined
    }
  /** Nothing left to do: the job ends without an attempt counted as sent or failed. */
  | { readonly _tag: "Cancelled" }
  | {
      readonly _tag: "Failed"
      readonly error: string
      /** Retrying would get the same answer (an SMTP 5xx): failed for good at once. */
      readonly permanent: boolean
      /** The receiver asked to wait at least this long (`Retry-After`). */
      readonly retryAfterMs?: number | undefined
      /** Webhook events stored if this failure is final (`email.failed`), with its settlement. */
      readonly events?: ReadonlyArray<WebhookEventRow> | undefined
    }

/** The sender of one kind of job. */
export interface Sender {
  /** The `kind` of the jobs it sends (`email`). */
  readonly kind: string
  /** Reads what a claim's jobs need at once, before any of them is sent (optional). */
  readonly prepare?: (jobs: ReadonlyArray<OutboxJob>) => Effect.Effect<void>
  /** Attempts one claimed job; a defect counts as a permanent failure. */
  readonly send: (job: OutboxJob) => Effect.Effect<SendResult>
  /** How long after failed attempt number `attempts` to try again, or undefined: its retry budget is used. */
  readonly retryIn: (attempts: number) => number | undefined
  /** How long a node holds a job it is sending before another may take it over. */
  readonly leaseMs: number
  /** Most time between two looks for jobs other nodes queued (a local cause wakes the worker at once). */
  readonly pollMs: number
  /** Jobs claimed at once (16 when not given). */
  readonly batch?: number | undefined
  /** Jobs of this kind sent at once (4 when not given). */
  readonly concurrency?: number | undefined
  /** What a job sent and a job failed for good add to their app's statistics (same transaction). */
  readonly stats?: { readonly sent?: StatsCounts; readonly failed?: StatsCounts }
  /** Metrics hook: called once a job is recorded sent, or failed for good. */
  readonly observe?: (state: "sent" | "failed") => void
}

/** A kind this node cannot send, and the line the log says (once) when a cause asks for it. */
export interface SenderOff {
  readonly kind: string
  readonly off: string
}

/** A kind as a node runs it: its sender, or why it has none (email without an SMTP server). */
export type SenderSlot = Sender | SenderOff

/** Exponential backoff: the first retry after `retryMs`, each next one doubled up to `retryMaxMs`. */
export interface Backoff {
  readonly retryMs: number
  readonly retryMaxMs: number
  /** After retrying this long a job fails for good. */
  readonly retryForSeconds: number
}

/** The delay before retry `attempt` (1-based): doubling from `retryMs`, at most `retryMaxMs`. */
export const retryDelayMs = (backoff: Backoff, attempt: number): number =>
  Math.min(backoff.retryMs * 2 ** Math.min(attempt - 1, 40), backoff.retryMaxMs)

/** Whether a job that failed `attempts` times has used its retry budget (`retryForSeconds`). */
export const retriesExhausted = (backoff: Backoff, attempts: number): boolean => {
  let waited = 0
  for (let a = 1; a <= attempts; a++) waited += retryDelayMs(backoff, a)
  return waited >= backoff.retryForSeconds * 1000
}

/** A sender's `retryIn` on an exponential backoff. */
export const exponentialRetry =
  (backoff: Backoff) =>
  (attempts: number): number | undefined =>
    retriesExhausted(backoff, attempts) ? undefined : retryDelayMs(backoff, attempts)
