/**
 * Web Push's bodies (PROTOCOL.md §14): the server's public VAPID key, a browser's subscription
 * as `PushSubscription.toJSON()` gives it (with the user agent), the subscriptions listed back,
 * the `push` block of a notify call, and the service worker's read mark.
 */
import { Schema } from "effect"
import { BoundedString, Timestamp } from "./Common.js"

/** Longest `push.after` delay: seven days, in seconds (as email's). */
export const MaxPushDelaySeconds = 604_800

/** Longest `push.ttlSeconds`: four weeks, what push services keep a message at most. */
export const MaxPushTtlSeconds = 2_419_200

/**
 * Latest `expirationTime` (ms since 1970, a browser's `EpochTimeStamp`): the last instant a
 * JavaScript Date holds, so it fits the databases' 64-bit integer column.
 */
export const MaxPushExpirationTime = 8_640_000_000_000_000

/** Base64url text that decodes to exactly `bytes` bytes (padding tolerated). */
const Base64UrlBytes = (bytes: number, what: string) =>
  Schema.String.pipe(
    Schema.filter(
      (s) => {
        const text = s.replace(/=+$/, "")
        return (
          /^[A-Za-z0-9_-]+$/.test(text) &&
          text.length % 4 !== 1 &&
          Math.floor((text.length * 3) / 4) === bytes
        )
      },
      { message: () => `must be ${what}: ${bytes} bytes in base64url` }
    )
  )

/** `GET /v1/push/key` answer: the VAPID public key browsers subscribe with (`applicationServerKey`). */
export const PushKeyResponse = Schema.Struct({ publicKey: Schema.String })
export type PushKeyResponse = typeof PushKeyResponse.Type

/** `POST /v1/me/push-subscriptions` body. */
export const PushSubscriptionRequest = Schema.Struct({
  endpoint: BoundedString(2048),
  keys: Schema.Struct({
    p256dh: Base64UrlBytes(65, "an uncompressed P-256 public key"),
    auth: Base64UrlBytes(16, "the authentication secret")
  }),
  expirationTime: Schema.optional(
    Schema.NullOr(
      Schema.Number.pipe(
        Schema.filter((n) => Number.isInteger(n) && n >= 0 && n <= MaxPushExpirationTime, {
          message: () =>
            `must be null or a whole number of milliseconds since 1970, at most ${MaxPushExpirationTime}`
        })
      )
    )
  ),
  userAgent: Schema.optional(Schema.String.pipe(Schema.maxLength(512)))
})
export type PushSubscriptionRequest = typeof PushSubscriptionRequest.Type

/** A stored subscription, as its user and the backend list them. */
export const PushSubscriptionInfo = Schema.Struct({
  id: Schema.String,
  endpoint: Schema.String,
  expirationTime: Schema.NullOr(Schema.Number),
  userAgent: Schema.NullOr(Schema.String),
  createdAt: Timestamp
})
export type PushSubscriptionInfo = typeof PushSubscriptionInfo.Type

/** `GET /v1/me/push-subscriptions` and `GET /v1/users/{id}/push-subscriptions` answer. */
export const PushSubscriptionList = Schema.Struct({ subscriptions: Schema.Array(PushSubscriptionInfo) })
export type PushSubscriptionList = typeof PushSubscriptionList.Type

/** The `push` block of a notify call (PROTOCOL.md §14): who gets a push, and how it travels. */
export const PushOptions = Schema.Struct({
  /** Push to the recipients who are offline (with `after`: who have not seen it by then). */
  send: Schema.optional(Schema.Boolean),
  /** Push to every recipient's subscriptions, online or not. */
  force: Schema.optional(Schema.Boolean),
  /** Seconds to wait, then push to who has not seen it (0 to 604800). */
  after: Schema.optional(
    Schema.Int.pipe(
      Schema.between(0, MaxPushDelaySeconds, {
        message: () => `must be a whole number of seconds from 0 to ${MaxPushDelaySeconds}`
      })
    )
  ),
  urgency: Schema.optional(
    Schema.Literal("very-low", "low", "normal", "high").annotations({
      message: () => "must be very-low, low, normal or high"
    })
  ),
  /** How long the push service keeps it for an offline device (default four weeks). */
  ttlSeconds: Schema.optional(
    Schema.Int.pipe(
      Schema.between(0, MaxPushTtlSeconds, {
        message: () => `must be a whole number of seconds from 0 to ${MaxPushTtlSeconds}`
      })
    )
  )
})
export type PushOptions = typeof PushOptions.Type

/** What became of one recipient's pushes (all their subscriptions together). */
export const PushState = Schema.Literal("none", "queued", "sent", "failed")
export type PushState = typeof PushState.Type

/** A call's push counts in `GET /v1/notify/{callId}`: messages, one per subscription. */
export const PushCounts = Schema.Struct({
  queued: Schema.Int,
  sent: Schema.Int,
  failed: Schema.Int,
  skipped: Schema.Int
})
export type PushCounts = typeof PushCounts.Type

/** `POST /v1/push/read` body: the capability a push message carries for its one notification. */
export const PushReadRequest = Schema.Struct({ markToken: BoundedString(512) })
export type PushReadRequest = typeof PushReadRequest.Type

/** What a push message carries (JSON, at most 3,800 bytes before encryption). */
export interface PushMessage {
  readonly id: string
  readonly title: string | null
  readonly body: string
  readonly url: string | null
  readonly icon: string | null
  readonly image: string | null
  readonly tag: string
  readonly data: unknown
  readonly markToken: string
}
