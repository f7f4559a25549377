/**
 * Webhooks (PROTOCOL.md §15): the endpoints API's bodies and answers, the event names, and the
 * body of a delivered event. The server decodes requests with these; backends and the SDK's
 * `verifyWebhook` read events with them.
 */
import { Schema } from "effect"
import { BoundedString, Timestamp } from "./Common.js"

/** Every event a webhook endpoint can subscribe to (`*`: all of them). */
export const WebhookEventNames = [
  "notification.delivered",
  "notification.seen",
  "notification.read",
  "notification.deleted",
  "email.sent",
  "email.failed",
  "push.sent",
  "push.failed",
  "user.online",
  "user.offline",
  "message.created",
  "webhook.test"
] as const

/** The event names in few words (the default message lists all twelve: over 200 characters). */
const EVENT_NAMES_SHORT =
  "notification.delivered/seen/read/deleted, email.sent/failed, push.sent/failed, user.online/offline, message.created or webhook.test"

/** An event name. */
export const WebhookEventName = Schema.Literal(...WebhookEventNames).annotations({
  message: () => `must be ${EVENT_NAMES_SHORT}`
})
export type WebhookEventName = typeof WebhookEventName.Type

/** A subscription list: event names, or `["*"]` for every event. */
export const WebhookEvents = Schema.Array(
  Schema.Union(WebhookEventName, Schema.Literal("*")).annotations({
    message: () => `must be * or ${EVENT_NAMES_SHORT}`
  })
).pipe(Schema.minItems(1), Schema.maxItems(WebhookEventNames.length))

/** The longest endpoint URL. */
export const MAX_WEBHOOK_URL = 2048

/** `POST /v1/webhooks` body. */
export const CreateWebhookRequest = Schema.Struct({
  url: BoundedString(MAX_WEBHOOK_URL),
  events: WebhookEvents,
  description: Schema.optional(Schema.String.pipe(Schema.maxLength(500))),
  batch: Schema.optional(Schema.Boolean)
})
export type CreateWebhookRequest = typeof CreateWebhookRequest.Type

/** `PATCH /v1/webhooks/{id}` body. */
export const UpdateWebhookRequest = Schema.Struct({
  url: Schema.optional(BoundedString(MAX_WEBHOOK_URL)),
  events: Schema.optional(WebhookEvents),
  enabled: Schema.optional(Schema.Boolean),
  description: Schema.optional(Schema.String.pipe(Schema.maxLength(500)))
})
export type UpdateWebhookRequest = typeof UpdateWebhookRequest.Type

/** An endpoint as listed (never its secret). */
export const Webhook = Schema.Struct({
  id: Schema.String,
  url: Schema.String,
  events: Schema.Array(Schema.String),
  description: Schema.NullOr(Schema.String),
  batch: Schema.Boolean,
  enabled: Schema.Boolean,
  createdAt: Timestamp,
  /** The first failed attempt since the last success, or null. */
  failingSince: Schema.NullOr(Timestamp),
  /** Why the server disabled it (`410`, `failing for 5 days`), or null. */
  disabledReason: Schema.NullOr(Schema.String),
  /** The last attempt's HTTP status (null: no answer, or none yet) and time. */
  lastStatus: Schema.NullOr(Schema.Int),
  lastAttemptAt: Schema.NullOr(Timestamp)
})
export type Webhook = typeof Webhook.Type

/** `POST /v1/webhooks` answer: the only time the secret is shown besides rotation. */
export const CreatedWebhook = Schema.Struct({
  ...Webhook.fields,
  secret: Schema.String
})
export type CreatedWebhook = typeof CreatedWebhook.Type

/** `GET /v1/webhooks` answer. */
export const WebhookList = Schema.Struct({ webhooks: Schema.Array(Webhook) })
export type WebhookList = typeof WebhookList.Type

/** One HTTP attempt of an event, as `GET /v1/webhooks/{id}/attempts` lists it (newest first). */
export const WebhookAttempt = Schema.Struct({
  eventId: Schema.String,
  type: Schema.String,
  at: Timestamp,
  /** The answer's status; null when there was none (timeout, refused connection, refused target). */
  status: Schema.NullOr(Schema.Int),
  ms: Schema.Int,
  error: Schema.optional(Schema.String),
  /** When the event is attempted again, when it will be. */
  next: Schema.optional(Timestamp)
})
export type WebhookAttempt = typeof WebhookAttempt.Type

/** `GET /v1/webhooks/{id}/attempts` answer. */
export const WebhookAttemptList = Schema.Struct({ attempts: Schema.Array(WebhookAttempt) })
export type WebhookAttemptList = typeof WebhookAttemptList.Type

/** A delivered event's body: `{type, timestamp, data}` (`data` has `app`, and `user`, … as the type says). */
export const WebhookEvent = Schema.Struct({
  type: Schema.String,
  timestamp: Timestamp,
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})
export type WebhookEvent = typeof WebhookEvent.Type
