/**
 * The notify call's bodies (PROTOCOL.md §3.2, §7): the request with its `email` block, the
 * answer, and a call read back afterwards (`GET /v1/notify/{callId}`) with its recipients' email
 * states. Its own module beside Api.ts because notify is the API's largest part.
 */
import { Schema } from "effect"
import { UserRef } from "./Api.js"
import { BoundedString, Json, Timestamp, TopicKey, TypeName, UserId } from "./Common.js"
import { DefaultLimits } from "./Limits.js"
import { PushCounts, PushOptions, PushState } from "./PushApi.js"

/** Most topics one notify call names. */
export const MaxTopicsPerNotify = 20

/** Most users one notify call excludes. */
export const MaxExcludePerNotify = 1000

/** Longest `email.after` delay: seven days, in seconds. */
export const MaxEmailDelaySeconds = 604_800

/** The `email` block of a notify call: the offline email fallback (PROTOCOL.md §7). */
export const EmailOptions = Schema.Struct({
  /** Email the recipients who are offline (with `after`: who have not seen it by then). */
  send: Schema.optional(Schema.Boolean),
  /** Email every recipient that has an address, online or not. */
  force: Schema.optional(Schema.Boolean),
  /** Default: the notification's title, else `New notification`. */
  subject: Schema.optional(BoundedString(998)),
  /** The body; default: the title, the content and the url, HTML-escaped. */
  content: Schema.optional(Schema.String),
  contentType: Schema.optional(
    Schema.Literal("text/html", "text/plain").annotations({
      message: () => "must be text/html or text/plain"
    })
  ),
  /** The MIME version, as the seed sends it: only `1.0`. */
  mime: Schema.optional(Schema.Literal("1.0").annotations({ message: () => "must be 1.0" })),
  /** One message per call with every recipient in Bcc, instead of one per recipient. */
  bcc: Schema.optional(Schema.Boolean),
  /** Seconds to wait, then email who has not seen it (0 to 604800). */
  after: Schema.optional(
    Schema.Int.pipe(
      Schema.between(0, MaxEmailDelaySeconds, {
        message: () => `must be a whole number of seconds from 0 to ${MaxEmailDelaySeconds}`
      })
    )
  )
})
export type EmailOptions = typeof EmailOptions.Type

/** `POST /v1/notify` body. */
export const NotifyRequest = Schema.Struct({
  users: Schema.optional(Schema.Array(UserRef).pipe(Schema.maxItems(DefaultLimits.usersPerNotify))),
  /** Topics whose subscribers get it too, each user once (PROTOCOL.md §11); without `users`, only they. */
  topics: Schema.optional(
    Schema.Array(TopicKey).pipe(Schema.minItems(1), Schema.maxItems(MaxTopicsPerNotify))
  ),
  /** Users who get nothing from this call whatever names them (e.g. the one who acted). */
  exclude: Schema.optional(Schema.Array(UserId).pipe(Schema.maxItems(MaxExcludePerNotify))),
  type: Schema.optional(TypeName),
  title: Schema.optional(Schema.String),
  content: Json.pipe(
    Schema.filter((u) => u !== null && u !== undefined, {
      message: () => "is required: any JSON value but null"
    })
  ),
  url: Schema.optional(Schema.String),
  icon: Schema.optional(Schema.String),
  image: Schema.optional(Schema.String),
  data: Schema.optional(Json),
  /** Who caused the notification: a user id (PROTOCOL.md §9), stored and returned as is. */
  author: Schema.optional(UserId),
  email: Schema.optional(EmailOptions),
  /** Web Push to the recipients' browsers (PROTOCOL.md §14). */
  push: Schema.optional(PushOptions),
  idempotencyKey: Schema.optional(BoundedString(DefaultLimits.maxIdempotencyKeyLength))
})
export type NotifyRequest = typeof NotifyRequest.Type

/** `POST /v1/notify` answer (202). */
export const NotifyResponse = Schema.Struct({
  id: Schema.String,
  recipients: Schema.Int,
  online: Schema.Int,
  /** Email messages queued by the call (0 when the server has no SMTP server configured). */
  emails: Schema.Int,
  /**
   * Push messages queued by the call, one per subscription (0 when the server has no VAPID
   * subject). Read as 0 when absent: an answer of a server before Web Push, or one replayed for
   * an idempotency key stored before it.
   */
  pushes: Schema.optionalWith(Schema.Int, { default: () => 0 })
})
export type NotifyResponse = typeof NotifyResponse.Type

/** What became of one recipient's email. */
export const EmailState = Schema.Literal("none", "queued", "sent", "failed")
export type EmailState = typeof EmailState.Type

/** One recipient of a notify call, in `GET /v1/notify/{callId}`. */
export const CallRecipient = Schema.Struct({
  user: UserId,
  notification: Schema.String,
  deliveredAt: Schema.NullOr(Timestamp),
  seenAt: Schema.NullOr(Timestamp),
  readAt: Schema.NullOr(Timestamp),
  email: EmailState,
  emailError: Schema.optional(Schema.String),
  /** Their pushes together: sent when one was, queued while one is, else failed (PROTOCOL.md §14). */
  push: PushState,
  pushError: Schema.optional(Schema.String)
})
export type CallRecipient = typeof CallRecipient.Type

/** `GET /v1/notify/{callId}` answer: a call, its email counts, and a page of its recipients. */
export const NotifyCall = Schema.Struct({
  id: Schema.String,
  createdAt: Timestamp,
  recipients: Schema.Int,
  online: Schema.Int,
  emails: Schema.Struct({ queued: Schema.Int, sent: Schema.Int, failed: Schema.Int, skipped: Schema.Int }),
  push: PushCounts,
  results: Schema.Array(CallRecipient)
})
export type NotifyCall = typeof NotifyCall.Type
