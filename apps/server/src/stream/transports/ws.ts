/**
 * The WebSocket transport, `GET /v1/ws` (PROTOCOL.md §4): the endpoint. It takes upgrades,
 * refuses a malformed `?cursor=` (4400) or a seed socket without `?token=` (4001), and hands
 * every other socket to its connection (wsConnection.ts: authentication, the stream, client
 * actions, each connection's lifecycle) whose session writes through wsWrite.ts. It pings idle
 * peers and drops dead ones, and closes every socket with 1001 on shutdown.
 */
import type { IncomingMessage } from "node:http"
import type { Duplex } from "node:stream"
import { CloseCodes } from "@pushback/protocol"
import { type WebSocket, WebSocketServer } from "ws"
import type { ServerConfig } from "../../config/Config.js"
import { parseCursor } from "../stream.js"
import {
  closeSocket,
  makeWsConnection,
  type WsConnection,
  type WsDeps,
  type WsDialect
} from "./wsConnection.js"

/**
 * Every sweep pings each socket and drops those that did not answer the previous ping, so a
 * dead peer goes within two sweeps: at most `deadPeerSeconds`, pinging at least every
 * `heartbeatSeconds`.
 */
const sweepSeconds = (config: ServerConfig) =>
  Math.min(config.limits.heartbeatSeconds, config.limits.deadPeerSeconds / 2)

/** The WebSocket endpoint: an upgrade handler, plus shutdown. */
export interface WsTransport {
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  /** Closes every socket with 1001 and stops the heartbeat. */
  readonly close: () => void
}

/**
 * Builds the WebSocket transport: PushBack's own frames, or a `dialect`'s (its `R` is what the
 * dialect's translation uses, provided by the runtime beside the transport's own needs).
 */
export const makeWsTransport = <R = never>(deps: WsDeps<NoInfer<R>>, dialect?: WsDialect<R>): WsTransport => {
  const { config } = deps
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.limits.wsFrameBytes,
    perMessageDeflate: false,
    clientTracking: true
  })
  const alive = new WeakSet<WebSocket>()
  const connections = new Set<WsConnection>()

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate()
        continue
      }
      alive.delete(ws)
      ws.ping()
    }
  }, sweepSeconds(config) * 1000)
  heartbeat.unref()

  const onConnection = (ws: WebSocket, req: IncomingMessage) => {
    alive.add(ws)
    ws.on("pong", () => alive.add(ws))
    ws.on("error", () => ws.terminate())
    const url = new URL(req.url ?? "/", "http://localhost")
    const cursor = parseCursor(url.searchParams.get("cursor"))
    if (cursor === "invalid")
      return closeSocket(ws, CloseCodes.MalformedFrame, "cursor must be a non-negative integer")
    const token = url.searchParams.get("token") ?? undefined
    if (dialect !== undefined && token === undefined) {
      return closeSocket(ws, CloseCodes.Unauthorized, "a token query parameter is required")
    }
    const proto = req.headers["x-forwarded-proto"] === "https" ? "https" : "http"
    const listUrl = `${proto}://${req.headers.host ?? "localhost"}/v1/me/notifications`
    const connection = makeWsConnection(
      deps,
      dialect,
      ws,
      { token, cursor },
      listUrl,
      () => alive.add(ws),
      () => connections.delete(connection)
    )
    connections.add(connection)
  }

  return {
    handleUpgrade: (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req))
    },
    close: () => {
      clearInterval(heartbeat)
      for (const connection of [...connections])
        connection.close(CloseCodes.GoingAway, "server shutting down")
    }
  }
}
