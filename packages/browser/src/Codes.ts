/**
 * Connection states and the codes that say why the state changed. A state is one value of a
 * union, never a pair of booleans; every transition is an event `{state, previous, code}`.
 */
import { ClientCodes, CloseCodes } from "@pushback/protocol/codes"

/**
 * Why the connection state changed: the WebSocket close codes of PROTOCOL.md §4 (HTTP
 * transports map their answers onto them: 401 is `Unauthorized`) and the SDK's own codes, both
 * from `@pushback/protocol/codes`, the protocol's one dependency-free module (it is bundled in,
 * so no Effect code reaches a browser).
 */
export const Codes = { ...CloseCodes, ...ClientCodes }

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
