/**
 * Every code of the real-time contract in one module with no dependencies (no Effect), published
 * as `@pushback/protocol/codes`, so a browser bundle can import the values themselves: the
 * WebSocket close codes a server sends (PROTOCOL.md §4), the `error` frame codes that end an SSE
 * stream or a long-poll session, and the codes the SDKs report in their state events. Servers and
 * clients import them from here; nothing restates them.
 */

/** Close codes used on `/v1/ws`. */
export const CloseCodes = {
  /** Normal closure. */
  Normal: 1000,
  /** The server is going away (shutdown): reconnect, maybe elsewhere. */
  GoingAway: 1001,
  /** A text frame that is not valid UTF-8 (RFC 6455). */
  InvalidData: 1007,
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

/**
 * The `code` of the `error` frame that ends an SSE stream or a long-poll session, and the close
 * code it stands for: HTTP transports have no close frame, so they say why in this frame.
 */
export const EndFrameCodes = {
  unauthorized: CloseCodes.Unauthorized,
  token_expired: CloseCodes.TokenExpired,
  slow_consumer: CloseCodes.Policy,
  going_away: CloseCodes.GoingAway
} as const

/**
 * Why a client's connection state changed, besides a server's close code: RFC 6455's 1006 for a
 * connection that dropped or could not be made, and the SDKs' own 3xxx codes (centrifuge-js
 * `codes.ts`). The browser and Node SDKs report the same codes.
 */
export const ClientCodes = {
  /** The connection dropped or could not be made. */
  ConnectionLost: 1006,
  /** A transport delivered the first frame: connected. */
  Connected: 3000,
  /** `close()` was called. */
  Closed: 3001,
  /** The network went away (the browser's `offline` event). */
  Offline: 3002,
  /** The network came back. */
  Online: 3003,
  /** A `seq` gap: reconnecting to resume from the cursor. */
  Gap: 3004,
  /** The transport did not connect in time. */
  Timeout: 3005,
  /** No transport is supported or allowed here. */
  NoTransport: 3006,
  /** This tab took over the shared connection from a tab that went away. */
  Leader: 3007,
  /**
   * An open connection went silent: no frame within `pongTimeout` of a WebSocket ping, or a
   * long-poll not answered within its wait and `pongTimeout`. Reconnecting from the cursor.
   */
  HeartbeatTimeout: 3008
} as const

/** One of the client codes above. */
export type ClientCode = (typeof ClientCodes)[keyof typeof ClientCodes]
