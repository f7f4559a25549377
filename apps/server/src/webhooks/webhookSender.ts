/**
 * Webhooks' sender of the outbox (PROTOCOL.md §15): a `webhook` job is one event for one
 * endpoint. It is signed with the Standard Webhooks scheme (its exact HMAC recipe over
 * `node:crypto`, with keys decoded once; the tests verify every request with the
 * `standardwebhooks` library; both secrets for a day after a rotation) and POSTed (post.ts).
 * A claim's endpoints and per-user order are read once for all its jobs (sendOrder.ts). The retry schedule is the sender's
 * own — `webhooks.retrySeconds` with jitter, counted in real attempts (the attempts log), at
 * least what `Retry-After` asks — so a job that merely waits for an earlier event of its user
 * (per-endpoint, per-user order) uses none of it: the worker's `retryIn` is always 0 and each
 * failure says how long to wait. A 410 disables the endpoint at once, as do five days of only
 * failures; a disabled endpoint's events fail without an attempt, a deleted one's are cancelled.
 * A batch endpoint's events go at most 100 a request, one batch at a time per endpoint on a node
 * (the events claimed together join the first one's). Leases, once per cluster and surviving
 * `kill -9` are the outbox's.
 */
import { createHash, createHmac } from "node:crypto"
import { Effect } from "effect"
import { Config } from "../config/Config.js"
import type { WebhookTuning } from "../config/settings.js"
import type { OutboxJob } from "../outbox/OutboxStore.js"
import type { Sender, SendResult } from "../outbox/Sender.js"
import { typeOfBody } from "./events.js"
import { postWebhook } from "./post.js"
import { endpointKey, type PreparedClaim, prepareClaim, sendInOrder, waitFor } from "./sendOrder.js"
import { type EndpointRecord, partsOfJobId, WEBHOOK, WebhookStore } from "./WebhookStore.js"

/** Jobs claimed at once, and sent at once (a receiver's keep-alive pool holds 32 connections). */
const SEND_BATCH = 128
const SEND_CONCURRENCY = 32

/** Most events in one batched request. */
const BATCH_MAX = 100

/** ±20 % of `ms`: retries of many events spread out instead of arriving together. */
const jittered = (ms: number): number => Math.round(ms * (0.8 + Math.random() * 0.4))

/** The delay before retry number `tries` (after that many failed attempts), or undefined: none left. */
export const retryDelay = (tuning: WebhookTuning, tries: number): number | undefined => {
  const seconds = tuning.retrySeconds[tries - 1]
  return seconds === undefined ? undefined : jittered(seconds * 1000)
}

/** Signing keys by secret (a `whsec_` secret is its key in base64), decoded once. */
const keys = new Map<string, Buffer>()
const keyOf = (secret: string): Buffer => {
  let key = keys.get(secret)
  if (key === undefined) {
    if (keys.size > 1000) keys.clear()
    key = Buffer.from(secret.replace(/^whsec_/, ""), "base64")
    keys.set(secret, key)
  }
  return key
}

/** The Standard Webhooks signature of `body`: `v1,` and the base64 HMAC-SHA256 of "id.timestamp.body". */
const sign = (secret: string, id: string, at: Date, body: string): string =>
  `v1,${createHmac("sha256", keyOf(secret))
    .update(`${id}.${Math.floor(at.getTime() / 1000)}.${body}`)
    .digest("base64")}`

/** The `webhook-signature` header: the current secret's, and the previous one's while it still signs. */
export const signatures = (endpoint: EndpointRecord, id: string, at: Date, body: string): string => {
  const current = sign(endpoint.secret, id, at, body)
  const previous =
    endpoint.previousSecret !== null &&
    endpoint.previousUntil !== null &&
    Date.parse(endpoint.previousUntil) > at.getTime()
      ? sign(endpoint.previousSecret, id, at, body)
      : undefined
  return previous === undefined ? current : `${current} ${previous}`
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The webhook sender, on the config and the WebhookStore in context. */
export const makeWebhookSender: Effect.Effect<Sender, never, Config | WebhookStore> = Effect.gen(
  function* () {
    const tuning = (yield* Config).webhooks
    const store = yield* WebhookStore

    /**
     * The batch `job` leads: it and up to 99 more queued events of its endpoint, in order, as
     * `{"type": "batch", "timestamp", "data": {"events": [{id, type, timestamp, data}, …]}}`; its
     * `webhook-id` names its members, so a retry of the same batch has the same id.
     */
    const batchOf = (job: OutboxJob, endpointId: string, at: Date) =>
      Effect.gen(function* () {
        const until = iso(at.getTime() + tuning.leaseSeconds * 1000)
        const more = yield* store.takeBatch(
          job.app,
          endpointId,
          job.id,
          at.toISOString(),
          until,
          BATCH_MAX - 1
        )
        const members = [{ id: job.id, payload: job.payload }, ...more].sort((a, b) => (a.id < b.id ? -1 : 1))
        const events = members.map((m) => ({
          id: partsOfJobId(m.id).eventId,
          ...(JSON.parse(m.payload) as Record<string, unknown>)
        }))
        const digest = createHash("sha256")
          .update(members.map((m) => m.id).join(","))
          .digest("hex")
        return {
          id: `batch_${digest.slice(0, 32)}`,
          type: "batch",
          body: JSON.stringify({ type: "batch", timestamp: at.toISOString(), data: { events } })
        }
      })

    /** One batch at a time per endpoint on this node: jobs claimed together join the first one's. */
    const batching = new Map<string, Effect.Semaphore>()
    const oneAtATime = (endpointId: string): Effect.Semaphore => {
      let lock = batching.get(endpointId)
      if (lock === undefined) {
        lock = Effect.unsafeMakeSemaphore(1)
        batching.set(endpointId, lock)
      }
      return lock
    }

    // The claim being sent (read once for all its jobs), and the endpoints it disabled meanwhile.
    let claim: PreparedClaim | undefined
    const disabledNow = new Set<string>()

    const send = (job: OutboxJob): Effect.Effect<SendResult> =>
      Effect.gen(function* () {
        const { endpointId } = partsOfJobId(job.id)
        const key = endpointKey(job.app, endpointId)
        const endpoint =
          claim?.endpoints.has(key) === true
            ? claim.endpoints.get(key)
            : yield* store.get(job.app, endpointId)
        if (endpoint?.batch !== true) {
          const group = claim?.groups.get(job.id)
          if (group !== undefined) return yield* sendInOrder(group, job, (j) => attempt(j, endpoint, false))
          return yield* attempt(job, endpoint, true)
        }
        return yield* oneAtATime(endpointId).withPermits(1)(
          Effect.gen(function* () {
            // Taken into a batch while it waited (sent with it, or let go to be claimed again).
            if (!(yield* store.stillHeld(job.id))) return { _tag: "Cancelled" } as const
            return yield* attempt(job, endpoint, true)
          })
        )
      })

    /**
     * One attempt at `job` for `endpoint` (as read for its claim; undefined: deleted), checking
     * per-user order itself when `checkOrder` (a job its claim did not put in order).
     */
    const attempt = (
      job: OutboxJob,
      endpoint: EndpointRecord | undefined,
      checkOrder: boolean
    ): Effect.Effect<SendResult> =>
      Effect.gen(function* () {
        const { eventId, endpointId } = partsOfJobId(job.id)
        if (endpoint === undefined) return { _tag: "Cancelled" } as const
        const type = typeOfBody(job.payload)
        const enabled = endpoint.enabled && !disabledNow.has(endpointKey(job.app, endpointId))
        if (!enabled && type !== "webhook.test") {
          return { _tag: "Failed", error: "the endpoint is disabled", permanent: true } as const
        }
        if (checkOrder && job.userId !== null) {
          const before = yield* store.earlier(job.app, endpointId, job.userId, job.id)
          if (before !== undefined) return waitFor(before)
        }
        const at = new Date()
        const message = endpoint.batch
          ? yield* batchOf(job, endpointId, at)
          : { id: eventId, type, body: job.payload }
        const outcome = yield* Effect.promise(() =>
          postWebhook({
            url: endpoint.url,
            body: message.body,
            headers: {
              "webhook-id": message.id,
              "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
              "webhook-signature": signatures(endpoint, message.id, at, message.body)
            },
            timeoutMs: tuning.timeoutMs,
            allowPrivate: tuning.allowPrivate
          })
        )
        const now = Date.now()
        const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300
        const gone = outcome.status === 410
        // Attempts so far, this one included, counted only when it failed (the log has the others).
        const scheduled = ok || gone ? undefined : retryDelay(tuning, (yield* store.tries(job.id)) + 1)
        const delay =
          scheduled === undefined || outcome.status === null
            ? scheduled
            : Math.max(scheduled, outcome.retryAfterMs ?? 0)
        const error = outcome.status === null ? outcome.error : ok ? null : `HTTP ${outcome.status}`
        const disabled = yield* store.record(
          {
            app: job.app,
            endpointId,
            jobId: job.id,
            eventId: message.id,
            type: message.type,
            at: at.toISOString(),
            status: outcome.status,
            ms: outcome.ms,
            error,
            next: delay === undefined ? null : iso(now + delay)
          },
          {
            success: ok,
            disable: gone ? "410 Gone" : undefined,
            failingBefore: iso(now - tuning.disableAfterSeconds * 1000)
          }
        )
        if (endpoint.batch) yield* store.settleBatch(job.id, ok ? new Date(now).toISOString() : undefined)
        if (ok) return { _tag: "Sent" } as const
        if (disabled) disabledNow.add(endpointKey(job.app, endpointId))
        if (disabled)
          console.log(`[pushback] webhook endpoint ${endpointId} of ${job.app} disabled (${error})`)
        return {
          _tag: "Failed",
          error: error ?? "failed",
          permanent: delay === undefined || disabled,
          retryAfterMs: delay
        } as const
      })

    return {
      kind: WEBHOOK,
      prepare: (jobs) =>
        Effect.suspend(() => {
          claim = undefined
          disabledNow.clear()
          return prepareClaim(store, jobs)
        }).pipe(
          Effect.flatMap((prepared) =>
            Effect.sync(() => {
              claim = prepared
            })
          )
        ),
      send,
      // The schedule is the sender's (each failure says its delay), counted in real attempts.
      retryIn: () => 0,
      leaseMs: tuning.leaseSeconds * 1000,
      pollMs: tuning.pollMs,
      // Many small requests, each mostly waiting for its receiver: more at once than email.
      batch: SEND_BATCH,
      concurrency: SEND_CONCURRENCY
    } satisfies Sender
  }
)
