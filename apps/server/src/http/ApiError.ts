/**
 * ApiError: the one failure type of request handling. It carries an error code of
 * PROTOCOL.md §3.5 and becomes the `{"error": …}` body with the matching status.
 */
import { type DecodeIssue, type ErrorCode, ErrorStatus } from "@pushback/protocol"
import { Data } from "effect"

/** A client-visible failure. */
export class ApiError extends Data.TaggedError("ApiError")<{
  readonly code: ErrorCode
  readonly message: string
  readonly details?: unknown
  /** Seconds, for 429. */
  readonly retryAfter?: number
  /** Methods the path serves, for 405: the `Allow` header. */
  readonly allow?: ReadonlyArray<string>
}> {
  /** The HTTP status of this error: its code's, except 405 for a method the path does not serve. */
  get status(): number {
    return this.allow === undefined ? ErrorStatus[this.code] : 405
  }
}

/** 400 naming the offending field. */
export const badRequest = (message: string, field?: string): ApiError =>
  new ApiError({ code: "bad_request", message, ...(field === undefined ? {} : { details: { field } }) })

/** Declared event types named in an "unknown event type" message; more are elided. */
const TYPES_SHOWN = 20

/** 400 for an event type the app has not declared, naming those it has. */
export const unknownEventType = (field: string, declared: ReadonlyArray<string>): ApiError => {
  const shown = declared.slice(0, TYPES_SHOWN).join(", ") + (declared.length > TYPES_SHOWN ? ", …" : "")
  return badRequest(`${field}: unknown event type; this app declares: ${shown}`, field)
}

/** Longest decode message echoed back: a message quotes the bad value, which may be huge. */
const MAX_MESSAGE = 300

const clip = (message: string): string =>
  message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message

/**
 * 400 from a schema decode issue; for a field the body does not take (PROTOCOL.md §16) the
 * message names it and the closest known one, and `details` has that one as `closest`.
 */
export const badInput = (issue: DecodeIssue, where = "body"): ApiError =>
  new ApiError({
    code: "bad_request",
    message: clip(
      issue.unknown !== undefined
        ? issue.message
        : issue.field === ""
          ? `${where}: ${issue.message}`
          : `${issue.field}: ${issue.message}`
    ),
    details: {
      field: issue.field === "" ? where : issue.field,
      ...(issue.unknown?.closest === undefined ? {} : { closest: issue.unknown.closest })
    }
  })

/** 405 (code `bad_request`, PROTOCOL.md §10): a known path, a method it does not serve. */
export const methodNotAllowed = (method: string, path: string, allow: ReadonlyArray<string>): ApiError =>
  new ApiError({
    code: "bad_request",
    message: `${path} does not take ${method}; it takes ${allow.join(", ")}`,
    details: { field: "method" },
    allow
  })

export const unauthorized = (message = "missing or invalid credential"): ApiError =>
  new ApiError({ code: "unauthorized", message })

export const notFound = (message = "not found"): ApiError => new ApiError({ code: "not_found", message })
