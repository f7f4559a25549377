/**
 * The error body every non-2xx answer carries (PROTOCOL.md §3.5), its codes and their
 * HTTP statuses, and a helper that names the offending field of a failed decode.
 */
import { type ParseResult, Schema } from "effect"
import { plainIssue } from "./internal/plainIssue.js"

/** Every error code of the public API. */
export const ErrorCode = Schema.Literal(
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "rate_limited",
  "unavailable",
  "internal"
)
export type ErrorCode = typeof ErrorCode.Type

/** The HTTP status of each error code. */
export const ErrorStatus: { readonly [K in ErrorCode]: number } = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500
}

/** `{"error": {"code", "message", "details"?}}` */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: ErrorCode,
    message: Schema.String,
    details: Schema.optional(Schema.Unknown)
  })
})
export type ErrorBody = typeof ErrorBody.Type

/** Where a decode failed: a dotted field path (empty for the root) and why. */
export interface DecodeIssue {
  readonly field: string
  readonly message: string
  /**
   * Set when `field` is a field the body does not take (PROTOCOL.md §16); `message` then names
   * the field itself ("unknown field titel; did you mean title?"), and `closest` is the dotted
   * path of the known field it most likely meant, when one is close.
   */
  readonly unknown?: { readonly closest?: string }
}

/**
 * Turns a schema ParseError into one issue, with the offending field's dotted path and a plain
 * sentence (what was expected, every valid value of an enum, a short excerpt of what came;
 * never the schema's own syntax). When a union collected several issues (one per member it
 * tried), the deepest one wins, the first among equals: the member that matched the most of the
 * input is the one the caller meant (`{"id": "<129 chars>"}` as a user names `users.0.id`, not
 * "expected a string"); when no member got past the value itself, the message names them all.
 * A field the body does not take (decoded with `onExcessProperty: "error"`) is named with the
 * closest known one: "unknown field email.sned; did you mean email.send?".
 */
export const describeParseError = (error: ParseResult.ParseError): DecodeIssue => {
  const { path, message, unknown } = plainIssue(error.issue)
  const field = path.map(String).join(".")
  if (unknown === undefined) return { field, message }
  if (unknown.closest === undefined)
    return { field, message: `unknown field ${field}; ${message}`, unknown: {} }
  const closest = [...path.slice(0, -1).map(String), unknown.closest].join(".")
  return { field, message: `unknown field ${field}; did you mean ${closest}?`, unknown: { closest } }
}
