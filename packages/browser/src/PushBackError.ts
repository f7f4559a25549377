/**
 * The one error the SDK rejects with: a refused REST call or WebSocket action, carrying the
 * HTTP status and the error `code` of PROTOCOL.md §3.5.
 */

/** A request the server refused. */
export class PushBackError extends Error {
  // `declare`d and assigned below: no class field helpers in the ES2020 bundle.
  /** HTTP status; 0 for an action refused over WebSocket. */
  declare readonly status: number
  /** `bad_request`, `unauthorized`, `not_found`, … */
  declare readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = "PushBackError"
    this.status = status
    this.code = code
  }
}
