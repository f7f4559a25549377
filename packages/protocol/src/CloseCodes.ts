/**
 * WebSocket close codes of PROTOCOL.md §4, defined once so servers and clients agree on
 * what each one means (reconnect, refresh the token, or give up).
 */

/** Close codes used on `/v1/ws`. */
export const CloseCodes = {
  /** Normal closure. */
  Normal: 1000,
  /** The server is going away (shutdown): reconnect, maybe elsewhere. */
  GoingAway: 1001,
  /** An incoming frame was larger than allowed. */
  MessageTooBig: 1009,
  /** Missing, forged, malformed or other-app token. */
  Unauthorized: 4001,
  /** Slow consumer or policy violation. */
  Policy: 4008,
  /** The token expired: fetch a new one and reconnect. */
  TokenExpired: 4009,
  /** A malformed frame (bad JSON, unknown type, bad cursor). */
  MalformedFrame: 4400
} as const

/** One of the close codes above. */
export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes]
