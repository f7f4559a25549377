/**
 * Webhook events as they are made where they happen (PROTOCOL.md §15): a time-ordered id (the
 * `webhook-id`, stable across retries, and the order of one user's events of an endpoint) and
 * the body `{"type", "timestamp", "data": {app, user?, notification?, call?, …}}`, encoded once.
 */
import { randomBytes } from "node:crypto"
import type { WebhookEventRow } from "./WebhookStore.js"

let counter = 0
let lastMs = 0

/**
 * A new event id: `evt_`, the time in ms and a per-process counter (so ids made later sort
 * later), then randomness; always 36 characters, so ids compare as text.
 */
export const newEventId = (now = Date.now()): string => {
  if (now !== lastMs) {
    lastMs = now
    counter = 0
  }
  counter = (counter + 1) % 0x1000000
  const time = now.toString(16).padStart(12, "0")
  const seq = counter.toString(16).padStart(6, "0")
  return `evt_${time}${seq}${randomBytes(7).toString("hex")}`
}

/** What an event says besides its type: `app` is added. */
export interface EventData {
  readonly user?: string | undefined
  readonly notification?: string | undefined
  readonly call?: string | undefined
  readonly [key: string]: unknown
}

/** An event of `type` in `app` with `data`, at `at` (ISO), ready to queue. */
export const webhookEvent = (
  app: string,
  type: string,
  data: EventData,
  at = new Date().toISOString()
): WebhookEventRow => ({
  id: newEventId(Date.parse(at)),
  type,
  user: data.user ?? null,
  notification: data.notification ?? null,
  call: data.call ?? null,
  body: JSON.stringify({ type, timestamp: at, data: { app, ...data } }),
  at
})

/** The type of a queued event's body (the attempts log shows it). */
export const typeOfBody = (body: string): string => {
  try {
    return String((JSON.parse(body) as { type?: unknown }).type ?? "unknown")
  } catch {
    return "unknown"
  }
}

/**
 * An outbox result with the webhook events of its outcome (`<kind>.sent`, or `<kind>.failed`
 * with its error, stored only if the failure is final): for senders whose job is one
 * notification of one user (push). The events go with the job's settlement, in its transaction.
 */
export const withOutcomeEvents = <R extends { readonly _tag: string; readonly error?: string }>(
  kind: string,
  job: {
    readonly app: string
    readonly userId: string | null
    readonly notificationId: string | null
    readonly callId: string | null
  },
  result: R
): R => {
  if (result._tag !== "Sent" && result._tag !== "Failed") return result
  const failed = result._tag === "Failed"
  const event = webhookEvent(job.app, `${kind}.${failed ? "failed" : "sent"}`, {
    user: job.userId ?? undefined,
    notification: job.notificationId ?? undefined,
    call: job.callId ?? undefined,
    ...(failed ? { error: result.error } : {})
  })
  return { ...result, events: [event] }
}
