/**
 * Notify calls (PROTOCOL.md §7): make one — the rate limit, the body and its Idempotency-Key
 * validated, then Delivery stores and publishes it — and read them afterwards: a page of an
 * app's recent calls, and one call with its counts, its email counts and a page of its
 * recipients. The v1 API, the operator's test notification and every seed's notify call these.
 */
import { DefaultLimits, NotifyRequest, type NotifyResponse } from "@pushback/protocol"
import { Effect } from "effect"
import { Limits } from "../cluster/limits/Limits.js"
import { ApiError, badRequest } from "../http/ApiError.js"
import { attempt } from "../http/plain.js"
import { decodeBodyNow, found } from "../http/Route.js"
import { Metrics } from "../stats/Metrics.js"
import { PushStore } from "../push/PushStore.js"
import { Store } from "../storage/Store.js"
import { Delivery } from "./Delivery.js"

/** What a call id looks like; anything else names no call (and never reaches the database). */
const CALL_ID = /^call_[A-Za-z0-9_-]{1,64}$/

/** Calls listed per page when `limit` is not given. */
const CALLS_PAGE = 20

/** A page of a list: how many to skip and to answer (defaults where not given). */
export interface Page {
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

/** The `Idempotency-Key` header's value, checked: 1-255 characters (throws the 400). */
const idempotencyKeyOf = (header: string | ReadonlyArray<string> | undefined): string | undefined => {
  if (header === undefined) return undefined
  const key = typeof header === "string" ? header : header[0]
  if (key === undefined || key.length === 0 || key.length > DefaultLimits.maxIdempotencyKeyLength) {
    throw badRequest("Idempotency-Key: must be 1-255 characters", "Idempotency-Key")
  }
  return key
}

/** Makes a notify call of `app` with a body (not yet validated) and an `Idempotency-Key` header. */
export type NotifyCall = (
  app: { readonly id: string },
  body: unknown,
  idempotencyKey: string | ReadonlyArray<string> | undefined
) => Promise<NotifyResponse>

/**
 * Notify calls as plain code (http/plain.ts), made once from the services: the rate limit
 * taken, then the body and the `Idempotency-Key` header checked, stored and published by
 * Delivery, and counted in the metrics. Rejects with an ApiError for a call refused.
 */
export const makeNotifyCall = Effect.gen(function* () {
  const limits = yield* Limits
  const delivery = yield* Delivery
  const metrics = yield* Metrics
  const call: NotifyCall = async (app, body, idempotencyKey) => {
    const wait = await limits.takeNotify(app.id)
    if (wait > 0)
      throw new ApiError({ code: "rate_limited", message: "too many notify calls", retryAfter: wait })
    const request = decodeBodyNow(NotifyRequest, body)
    const key = idempotencyKeyOf(idempotencyKey)
    const started = performance.now()
    const response = await delivery.notify(app.id, request, key)
    metrics.histograms.notifySeconds.observe((performance.now() - started) / 1000)
    metrics.histograms.fanout.observe(response.recipients)
    metrics.counters.notifyCalls++
    metrics.counters.notificationsStored += response.recipients
    return response
  }
  return call
})

/** A notify call of `app` as an Effect, for the routes that are not plain (the seeds', the operator's). */
export const notify = (
  app: { readonly id: string },
  body: unknown,
  idempotencyKey: string | ReadonlyArray<string> | undefined
) => Effect.flatMap(makeNotifyCall, (call) => attempt(() => call(app, body, idempotencyKey)))

/** The call `callId` of `app` with a page of its recipients; 404 when unknown. */
export const callDetail = (app: string, callId: string, page: Page) =>
  Effect.gen(function* () {
    const call = CALL_ID.test(callId)
      ? yield* (yield* Store).emails.call(
          app,
          callId,
          page.limit ?? DefaultLimits.pageLimit,
          page.offset ?? 0
        )
      : undefined
    return yield* (yield* PushStore).call(app, yield* found(call, "notify call"))
  })

/** A page of the app's recent notify calls with their counts, newest first. */
export const listCalls = (app: string, page: Page) =>
  Effect.gen(function* () {
    const { count, calls } = yield* (yield* Store).listCalls(app, page.limit ?? CALLS_PAGE, page.offset ?? 0)
    return { count, results: calls }
  })
