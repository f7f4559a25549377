/**
 * The one error type the SDK throws. A backend catches a `PushBackError` and branches on
 * `code` — the server's error codes of PROTOCOL.md §3.5 plus two for failures that never got
 * an answer — whether the failure was found locally (bad input), by the server, or on the way.
 */
import type { ErrorCode } from "@pushback/protocol"

/**
 * What went wrong: a server error code (§3.5), or
 * - `network_error`: no answer (connection refused or reset, DNS, TLS…), after every retry;
 * - `timeout`: no complete answer within the per-attempt timeout, after every retry;
 * - `invalid_response`: an answer that does not match the protocol (wrong server, proxy page…).
 */
export type PushBackErrorCode = ErrorCode | "network_error" | "timeout" | "invalid_response"

/** The fields of a {@link PushBackError}. */
export interface PushBackErrorInit {
  /** HTTP status of the answer; 0 when there was none (`network_error`, `timeout`). */
  readonly status: number
  readonly code: PushBackErrorCode
  readonly message: string
  /** The error body's `details` (for `bad_request`, names the offending field), if any. */
  readonly details?: unknown
  readonly cause?: unknown
}

const brand: unique symbol = Symbol.for("@pushback/node/PushBackError") as never

/**
 * Thrown by every SDK method. `status`, `code`, `message` and `details` mirror the server's
 * error body (`{"error": {"code", "message", "details"}}`); input the SDK refuses before
 * sending is `status: 400, code: "bad_request"`, exactly as if the server had refused it.
 */
export class PushBackError extends Error {
  override readonly name = "PushBackError"
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number
  /** Machine-readable reason; see {@link PushBackErrorCode}. */
  readonly code: PushBackErrorCode
  /** Extra data from the error body, e.g. `{ field: "users.0" }` for `bad_request`. */
  readonly details: unknown
  readonly [brand] = true

  constructor(init: PushBackErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.status = init.status
    this.code = init.code
    this.details = init.details
  }

  /**
   * True for any `PushBackError`, also one thrown by the other module format's copy of the
   * SDK (ESM and CJS loaded side by side), where `instanceof` would say false.
   */
  static is(u: unknown): u is PushBackError {
    return typeof u === "object" && u !== null && (u as { [brand]?: unknown })[brand] === true
  }
}

/** A local input error: the same shape the server gives a bad request. */
export const badRequest = (field: string, message: string): PushBackError =>
  new PushBackError({
    status: 400,
    code: "bad_request",
    message: field === "" ? message : `${field}: ${message}`,
    details: { field }
  })
