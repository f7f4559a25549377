/**
 * Small building blocks shared by the bodies and frames: ids, names, timestamps, JSON.
 */
import { Schema } from "effect"
import { DefaultLimits } from "./Limits.js"

/** An app-scoped user id from the customer's own system: 1–128 characters. */
export const UserId = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must be a non-empty string" }),
  Schema.maxLength(DefaultLimits.maxUserIdLength, {
    message: () => `must be at most ${DefaultLimits.maxUserIdLength} characters`
  }),
  // A lone UTF-16 surrogate cannot be stored as text and found again.
  Schema.filter((s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s), {
    message: () => "must be valid Unicode text"
  })
)

/** An event type name such as `post_like`: letters, digits, `_ . : -`, 1–64 characters. */
export const TypeName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_.:-]{1,64}$/, {
    message: () => "must be 1-64 letters, digits or _ . : -"
  })
)

/** A topic key such as `project:42` (PROTOCOL.md §11): letters, digits and `_ . : -`, 1–128 characters. */
export const TopicKey = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_.:-]{1,128}$/, {
    message: () => "must be 1-128 letters, digits or _ . : -"
  })
)

/** An app id: `app_` and base62/base64url characters. */
export const AppId = Schema.String.pipe(Schema.pattern(/^app_[A-Za-z0-9_-]{4,64}$/))

// The pattern alone lets `2026-13-45T99:00:00Z` through, and `new Date(...).toISOString()` of
// that throws: the date must also name a real instant (no month 13, no February 30).
const isRealInstant = (s: string): boolean => {
  const ms = Date.parse(s)
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === s.slice(0, 19)
}

/** An ISO-8601 UTC timestamp string naming a real instant, e.g. `2026-11-22T10:00:00.000Z`. */
export const Timestamp = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, {
    message: () => "must be an ISO-8601 UTC timestamp"
  }),
  Schema.filter(isRealInstant, { message: () => "must be an ISO-8601 UTC timestamp of a real date and time" })
)

/** Any JSON value. */
export const Json = Schema.Unknown

/** A stream sequence number or cursor: a non-negative integer. */
export const Seq = Schema.Int.pipe(Schema.nonNegative())

/** A non-empty string of at most `max` characters. */
export const BoundedString = (max: number) => Schema.String.pipe(Schema.minLength(1), Schema.maxLength(max))
