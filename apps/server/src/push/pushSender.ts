/**
 * Web Push, a sender of the outbox (PROTOCOL.md §14): a `push` job names one notification and
 * one subscription; the sender makes the message (pushMessage.ts, with its markToken), encrypts
 * it for the subscription (RFC 8291 `aes128gcm`) and posts it signed with the cluster's VAPID
 * key (RFC 8292) through `web-push`, with `TTL`, `Urgency` and `Topic` (the notification id).
 * The push service's answer decides: 2xx sent; 404/410 the subscription is gone (deleted, the
 * job failed); 413 and other 4xx failed for good; 429 and 5xx (and no answer) retried with
 * backoff for about a day, never sooner than `Retry-After`. A job whose notification was seen
 * (a delayed `send`), deleted, or whose subscription went or moved to another user is cancelled.
 */
import { Effect } from "effect"
import webpush, { WebPushError } from "web-push"
import { Config } from "../config/Config.js"
import type { OutboxJob } from "../outbox/OutboxStore.js"
import { exponentialRetry, type Sender, type SenderSlot, type SendResult } from "../outbox/Sender.js"
import { Metrics } from "../stats/Metrics.js"
import { Store } from "../storage/Store.js"
import { withOutcomeEvents } from "../webhooks/events.js"
import { makeMarkToken } from "./markToken.js"
import { pushMessageOf } from "./pushMessage.js"
import type { PushPayload } from "./pushPlan.js"
import { PUSH, PushStore } from "./PushStore.js"
import { PushKeys } from "./vapid.js"

/** Four weeks: what push services keep a message for at most, and the default TTL. */
const DEFAULT_TTL_SECONDS = 2_419_200

/** A push service that does not answer within this long is retried later. */
const REQUEST_TIMEOUT_MS = 15_000

/** `Retry-After` (seconds, or an HTTP date) in milliseconds from now, when given. */
export const retryAfterMs = (value: string | string[] | undefined, now = Date.now()): number | undefined => {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || text.trim() === "") return undefined
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** The push block's delivery options as stored with the call. */
const optionsOf = (block: string | null): { urgency?: string; ttlSeconds?: number } =>
  block === null ? {} : (JSON.parse(block) as { urgency?: string; ttlSeconds?: number })

/** The push sender, with the cluster's keys in context. */
export const makePushSender: Effect.Effect<Sender, never, Config | Store | PushStore | PushKeys | Metrics> =
  Effect.gen(function* () {
    const store = yield* Store
    const pushes = yield* PushStore
    const keys = yield* PushKeys
    const config = yield* Config
    const metrics = yield* Metrics
    const tuning = config.push.tuning
    const vapidDetails = {
      subject: keys.subject ?? "",
      publicKey: keys.publicKey,
      privateKey: keys.privateKey
    }

    const post = (
      endpoint: string,
      p256dh: string,
      auth: string,
      body: string,
      headers: Record<string, unknown>
    ) =>
      Effect.tryPromise({
        try: () =>
          webpush.sendNotification({ endpoint, keys: { p256dh, auth } }, body, {
            vapidDetails,
            contentEncoding: "aes128gcm",
            timeout: REQUEST_TIMEOUT_MS,
            ...headers
          }),
        catch: (e) => e
      })

    /** Each attempt's result, with its webhook event (`push.sent`, `push.failed`). */
    const send = (job: OutboxJob): Effect.Effect<SendResult> =>
      Effect.map(attempt(job), (result) => withOutcomeEvents("push", job, result))

    const attempt = (job: OutboxJob): Effect.Effect<SendResult> =>
      Effect.gen(function* () {
        const cancelled = { _tag: "Cancelled" } as const
        const { subscription, recheck } = JSON.parse(job.payload) as PushPayload
        if (job.notificationId === null) return cancelled
        const target = yield* pushes.target(job.app, subscription)
        const content = yield* pushes.content(job.app, job.notificationId)
        // Gone, moved to another user of this browser, or (a delayed send) seen meanwhile.
        if (target === undefined || content === undefined || target.user !== content.user) return cancelled
        if (recheck && content.seenAt !== null) return cancelled
        const app = yield* store.getApp(job.app)
        if (app === undefined) return cancelled
        const message = pushMessageOf(content, makeMarkToken(app.secret, app.id, content.id))
        const options = optionsOf(content.push)
        const sent = yield* Effect.either(
          post(target.endpoint, target.p256dh, target.auth, JSON.stringify(message), {
            TTL: options.ttlSeconds ?? DEFAULT_TTL_SECONDS,
            urgency: options.urgency ?? "normal",
            topic: content.id
          })
        )
        if (sent._tag === "Right") return { _tag: "Sent" } as const
        const error = sent.left
        if (!(error instanceof WebPushError)) {
          // No answer (refused, reset, timed out): the service may be back later.
          return {
            _tag: "Failed",
            error: `no answer: ${(error as Error)?.message ?? String(error)}`,
            permanent: false
          } as const
        }
        const status = error.statusCode
        const said = `${status} ${String(error.body ?? "").slice(0, 200)}`.trim()
        if (status === 404 || status === 410) {
          yield* pushes.forget(job.app, subscription)
          return { _tag: "Failed", error: `subscription gone (${said}): deleted`, permanent: true } as const
        }
        if (status === 429 || status >= 500) {
          return {
            _tag: "Failed",
            error: said,
            permanent: false,
            retryAfterMs: retryAfterMs(error.headers?.["retry-after"] as string | undefined)
          } as const
        }
        return { _tag: "Failed", error: said, permanent: true } as const
      })

    return {
      kind: PUSH,
      send,
      retryIn: exponentialRetry(tuning),
      leaseMs: tuning.leaseSeconds * 1000,
      pollMs: tuning.pollMs,
      stats: { sent: { pushes: 1 }, failed: { pushesFailed: 1 } },
      observe: (state) => {
        if (state === "sent") metrics.counters.pushesSent++
        else metrics.counters.pushesFailed++
      }
    } satisfies Sender
  })

/** Push's slot in the outbox: the sender, or off when no VAPID subject is configured. */
export const pushSender: Effect.Effect<SenderSlot, never, Config | Store | PushStore | PushKeys | Metrics> =
  Effect.gen(function* () {
    const keys = yield* PushKeys
    if (keys.subject === undefined) {
      return {
        kind: PUSH,
        off: "a notify call asked for push, but no VAPID subject is configured (push.vapidSubject or PUSHBACK_VAPID_SUBJECT): none is sent"
      }
    }
    return yield* makePushSender
  })
