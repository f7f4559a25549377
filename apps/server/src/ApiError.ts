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
}> {
  /** The HTTP status of this error. */
  get status(): number {
    return ErrorStatus[this.code]
  }
}

/** 400 naming the offending field. */
export const badRequest = (message: string, field?: string): ApiError =>
  new ApiError({ code: "bad_request", message, ...(field === undefined ? {} : { details: { field } }) })

/** Longest decode message echoed back: a message quotes the bad value, which may be huge. */
const MAX_MESSAGE = 300

const clip = (message: string): string =>
  message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message

/** 400 from a schema decode issue. */
export const badInput = (issue: DecodeIssue, where = "body"): ApiError =>
  new ApiError({
    code: "bad_request",
    message: clip(issue.field === "" ? `${where}: ${issue.message}` : `${issue.field}: ${issue.message}`),
    details: { field: issue.field === "" ? where : issue.field }
  })

export const unauthorized = (message = "missing or invalid credential"): ApiError =>
  new ApiError({ code: "unauthorized", message })

export const notFound = (message = "not found"): ApiError => new ApiError({ code: "not_found", message })
