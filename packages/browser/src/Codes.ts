/**
 * Connection states and the codes that say why the state changed. A state is one value of a
 * union, never a pair of booleans; every transition is an event `{state, previous, code}`.
 */

/**
 * Why the connection state changed. The first group are the WebSocket close codes of
 * PROTOCOL.md §4, restated from `@pushback/protocol`'s `CloseCodes` so that no runtime code
 * from the protocol package reaches a browser bundle; HTTP transports map their answers onto
 * them (401 is `Unauthorized`). The 3xxx group is the SDK's own.
 */
export const Codes = {
  /** Normal closure. */
  Normal: 1000,
  /** The server is going away (shutdown): reconnect. */
  GoingAway: 1001,
  /** The connection dropped or could not be made. */
  ConnectionLost: 1006,
  /** The token was refused: fetch a fresh one with `getToken`, or stop. */
  Unauthorized: 4001,
  /** Slow consumer or policy. */
  Policy: 4008,
  /** The token expired: fetch a fresh one with `getToken`, or stop. */
  TokenExpired: 4009,
  /** The server could not parse a frame. */
  MalformedFrame: 4400,
  /** A transport delivered the first frame: connected. */
  Connected: 3000,
  /** `close()` was called. */
  Closed: 3001,
  /** The browser went offline. */
  Offline: 3002,
  /** The browser came back online. */
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

/** One of the codes above (or another close code a server sent). */
export type Code = (typeof Codes)[keyof typeof Codes] | number

/**
 * Where the client stands.
 *
 * - `connecting`: the first connection is being made.
 * - `connected`: frames flow (over this tab's connection or another tab's).
 * - `reconnecting`: a connection was lost; the next one is scheduled or being made.
 * - `disconnected`: not connected and waiting for something else: the browser to come back
 *   online, or nothing at all (a refused token without `getToken`, no usable transport).
 * - `closed`: `close()` was called; final.
 */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected" | "closed"

/** The names of the built-in transports, in the order they are tried. */
export type TransportName = "websocket" | "sse" | "poll"

/** A state transition. */
export interface StateEvent {
  readonly state: ConnectionState
  readonly previous: ConnectionState
  /** Why: a value of `Codes`, or a close code sent by the server. */
  readonly code: Code
  readonly reason: string
  /** The transport of the connection, when `state` is `connected`. */
  readonly transport?: TransportName | undefined
}
