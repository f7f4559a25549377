/**
 * The webhook endpoints' use cases (PROTOCOL.md §15), called by the routes of both credentials
 * (an app secret, or the admin token under `/v1/apps/{appId}`): create (the secret shown once),
 * list, read, change (enabling again clears the failures), delete, rotate the secret (the old
 * one signs for another day), queue a `webhook.test` event, and page through the attempts.
 */
import { randomBytes } from "node:crypto"
import {
  CreateWebhookRequest,
  type CreatedWebhook,
  UpdateWebhookRequest,
  type Webhook,
  type WebhookAttempt
} from "@pushback/protocol"
import { Effect, type Schema } from "effect"
import { Config } from "../config/Config.js"
import { type ApiError, badRequest, notFound } from "../http/ApiError.js"
import { decodeBody } from "../http/Route.js"
import { Outbox } from "../outbox/Outbox.js"
import { webhookEvent } from "./events.js"
import { refuseTarget } from "./targets.js"
import { type EndpointRecord, WebhookStore } from "./WebhookStore.js"

/** Most endpoints one app may have. */
export const MAX_ENDPOINTS = 20

/** A new signing secret: `whsec_` and 24 random bytes in base64 (the Standard Webhooks form). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString("base64")}`

/** An endpoint as the API shows it (never its secrets). */
export const endpointView = (e: EndpointRecord): Webhook => ({
  id: e.id,
  url: e.url,
  events: [...e.events],
  description: e.description,
  batch: e.batch,
  enabled: e.enabled,
  createdAt: e.createdAt,
  failingSince: e.failingSince,
  disabledReason: e.disabledReason,
  lastStatus: e.lastStatus,
  lastAttemptAt: e.lastAt
})

/** Edit distance, for naming the known field an unknown one was meant to be. */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    row = next
  }
  return row[b.length]!
}

/** Decodes a body with `schema`, refusing fields it does not know (PROTOCOL.md §16). */
const decodeKnown = <A, I>(
  schema: Schema.Schema<A, I> & { readonly fields: Readonly<Record<string, unknown>> },
  body: unknown
): Effect.Effect<A, ApiError> => {
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    const known = Object.keys(schema.fields)
    const unknown = Object.keys(body).find((k) => !known.includes(k))
    if (unknown !== undefined) {
      const closest = [...known].sort((a, b) => distance(unknown, a) - distance(unknown, b))[0]!
      return Effect.fail(badRequest(`unknown field ${unknown}; did you mean ${closest}?`, unknown))
    }
  }
  return decodeBody(schema, body)
}

/** A subscription list as stored: `*` alone, or each name once. */
const subscription = (events: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<string>, ApiError> =>
  events.includes("*")
    ? events.length === 1
      ? Effect.succeed(["*"])
      : Effect.fail(badRequest('events: "*" means every event and stands alone', "events"))
    : Effect.succeed([...new Set(events)])

/** Refuses a URL that is not a webhook target (400 naming `url`). */
const checkTarget = (url: string) =>
  Effect.gen(function* () {
    const { allowPrivate } = (yield* Config).webhooks
    const why = yield* Effect.promise(() => refuseTarget(url, allowPrivate))
    if (why !== undefined) return yield* Effect.fail(badRequest(`url: ${why}`, "url"))
  })

/** `POST /v1/webhooks`: a new endpoint, its secret shown this once. */
export const createEndpoint = (app: string, body: unknown) =>
  Effect.gen(function* () {
    const req = yield* decodeKnown(CreateWebhookRequest, body)
    const events = yield* subscription(req.events)
    yield* checkTarget(req.url)
    const record: EndpointRecord = {
      app,
      id: `wh_${randomBytes(12).toString("base64url")}`,
      url: req.url,
      events,
      description: req.description ?? null,
      batch: req.batch ?? false,
      enabled: true,
      secret: newWebhookSecret(),
      previousSecret: null,
      previousUntil: null,
      createdAt: new Date().toISOString(),
      failingSince: null,
      disabledReason: null,
      lastStatus: null,
      lastAt: null
    }
    if (!(yield* (yield* WebhookStore).create(record, MAX_ENDPOINTS))) {
      return yield* Effect.fail(badRequest(`an app has at most ${MAX_ENDPOINTS} webhook endpoints`, "url"))
    }
    return { ...endpointView(record), secret: record.secret } satisfies CreatedWebhook
  })

/** `GET /v1/webhooks`. */
export const listEndpoints = (app: string) =>
  Effect.flatMap(WebhookStore, (s) => s.list(app)).pipe(
    Effect.map((all) => ({ webhooks: all.map(endpointView) }))
  )

/** One endpoint, or 404. */
const endpointOf = (app: string, id: string) =>
  Effect.flatMap(WebhookStore, (s) => s.get(app, id)).pipe(
    Effect.flatMap((e) => (e === undefined ? Effect.fail(notFound("webhook not found")) : Effect.succeed(e)))
  )

/** `GET /v1/webhooks/{id}`. */
export const readEndpoint = (app: string, id: string) => Effect.map(endpointOf(app, id), endpointView)

/** `PATCH /v1/webhooks/{id}`. */
export const updateEndpoint = (app: string, id: string, body: unknown) =>
  Effect.gen(function* () {
    const req = yield* decodeKnown(UpdateWebhookRequest, body)
    const events = req.events === undefined ? undefined : yield* subscription(req.events)
    if (req.url !== undefined) yield* checkTarget(req.url)
    const updated = yield* (yield* WebhookStore).update(
      app,
      id,
      { url: req.url, events, enabled: req.enabled, description: req.description },
      new Date().toISOString()
    )
    if (updated === undefined) return yield* Effect.fail(notFound("webhook not found"))
    return endpointView(updated)
  })

/** `DELETE /v1/webhooks/{id}`: its queued events go with it. */
export const deleteEndpoint = (app: string, id: string) =>
  Effect.gen(function* () {
    if (!(yield* (yield* WebhookStore).remove(app, id)))
      return yield* Effect.fail(notFound("webhook not found"))
  })

/** `POST /v1/webhooks/{id}/secret`: a new secret; the old one signs too for `previousSecretSeconds`. */
export const rotateEndpointSecret = (app: string, id: string) =>
  Effect.gen(function* () {
    const tuning = (yield* Config).webhooks
    const secret = newWebhookSecret()
    const now = Date.now()
    const until = new Date(now + tuning.previousSecretSeconds * 1000).toISOString()
    const done = yield* (yield* WebhookStore).rotate(app, id, secret, until, new Date(now).toISOString())
    if (!done) return yield* Effect.fail(notFound("webhook not found"))
    return { secret }
  })

/** `POST /v1/webhooks/{id}/test`: queues a `webhook.test` event for this endpoint alone. */
export const testEndpoint = (app: string, id: string) =>
  Effect.gen(function* () {
    const endpoint = yield* endpointOf(app, id)
    const event = webhookEvent(app, "webhook.test", { webhook: endpoint.id })
    yield* (yield* WebhookStore).publishTo(app, endpoint.id, event)
    ;(yield* Outbox).wake()
    return { id: event.id }
  })

/** `GET /v1/webhooks/{id}/attempts`: newest first. */
export const endpointAttempts = (app: string, id: string, limit: number, offset: number) =>
  Effect.gen(function* () {
    yield* endpointOf(app, id)
    const rows = yield* (yield* WebhookStore).attempts(app, id, limit, offset)
    return {
      attempts: rows.map(
        (a): WebhookAttempt => ({
          eventId: a.eventId,
          type: a.type,
          at: a.at,
          status: a.status,
          ms: a.ms,
          ...(a.error === null ? {} : { error: a.error }),
          ...(a.next === null ? {} : { next: a.next })
        })
      )
    }
  })
