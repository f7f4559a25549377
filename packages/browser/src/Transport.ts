/**
 * One interface for every way of reaching the stream (centrifuge-js `transport_*.ts`):
 * WebSocket, Server-Sent Events and long-poll each implement it in their own file under
 * `transports/`, and the client walks an ordered list of them. A transport knows how to open
 * one connection and turn what arrives into frames; reconnection, resume, backoff and state
 * belong to the client.
 */
import type { TransportName } from "./Codes.js"
import type { ClientFrame, ServerFrame } from "./types.js"

/** Where and as whom to connect. */
export interface ConnectParams {
  /** The server's base URL, `http(s)://host[:port]`, without a trailing slash. */
  readonly url: string
  readonly token: string
  /** The last `seq` applied; the server resumes after it. Absent: start from now. */
  readonly cursor: number | undefined
}

/**
 * How long an open connection may stay silent, in ms (the client's `pingInterval` and
 * `pongTimeout` options). A transport that can ask the server for a sign of life uses them.
 */
export interface Liveness {
  /** Silence after which a ping is sent (WebSocket); 0: never. Default 25000. */
  readonly pingInterval?: number | undefined
  /** Time the server gets to answer a ping, or beyond a poll's wait, before the connection counts as lost. Default 10000. */
  readonly pongTimeout?: number | undefined
}

/** What a connection reports. After `close`, nothing more. */
export interface TransportHandlers {
  /** The connection is established: the first answer (`welcome`, or a first poll) arrived. */
  open(): void
  frame(frame: ServerFrame): void
  /** The connection ended or could not be made, with a close code of `Codes`. */
  close(code: number, reason: string): void
}

/** A transport: one connection at a time. */
export interface Transport {
  readonly name: TransportName
  /** Capability: client actions (`seen`, `read`, `delete`) can be sent over it. */
  readonly actions: boolean
  /** Whether this platform has what the transport needs. */
  supported(): boolean
  /** Opens a connection; its events go to `handlers` until `close()`. */
  connect(params: ConnectParams, handlers: TransportHandlers): void
  /** Sends one frame over the open connection; false when it cannot. */
  send(frame: ClientFrame): boolean
  /** Closes the connection without reporting it to the handlers. */
  close(): void
}
