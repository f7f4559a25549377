/**
 * The WebSocket transport, `GET /v1/ws` (PROTOCOL.md §4). Authenticates by `?token=` or a
 * first `hello` frame, opens the user's stream, runs client actions, pings idle peers and
 * drops dead ones, and closes slow consumers (1 MiB unsent) with 4008 instead of letting
 * their queue grow. Frames to many sessions are the same string: `ws.send(payload)`, no
 * per-socket encoding.
 */
import type { IncomingMessage } from "node:http"
import type { Duplex } from "node:stream"
import { ClientFrame, CloseCodes } from "@pushback/protocol"
import { Effect, type ManagedRuntime, Schema } from "effect"
import { type WebSocket, WebSocketServer } from "ws"
import { Auth, type UserPrincipal } from "../Auth.js"
import type { ServerConfig } from "../Config.js"
import type { MetricsShape } from "../Metrics.js"
import type { Services } from "../Services.js"
import { makeSession, type Session, type SessionsShape } from "../Sessions.js"
import { runAction } from "./actions.js"
import { openStream, parseCursor } from "./stream.js"

const decodeClientFrame = Schema.decodeUnknownEither(Schema.parseJson(ClientFrame))
const HELLO_TIMEOUT_MS = 10_000

/**
 * Every sweep pings each socket and drops those that did not answer the previous ping, so a
 * dead peer goes within two sweeps: at most `deadPeerSeconds`, pinging at least every
 * `heartbeatSeconds`.
 */
const sweepSeconds = (config: ServerConfig) =>
  Math.min(config.limits.heartbeatSeconds, config.limits.deadPeerSeconds / 2)

/** What the WebSocket transport needs from the server. */
export interface WsDeps {
  readonly runtime: ManagedRuntime.ManagedRuntime<Services, never>
  readonly config: ServerConfig
  readonly sessions: SessionsShape
  readonly metrics: MetricsShape
}

/** The WebSocket endpoint: an upgrade handler, plus shutdown. */
export interface WsTransport {
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  /** Closes every socket with 1001 and stops the heartbeat. */
  readonly close: () => void
}

/** Builds the WebSocket transport. */
export const makeWsTransport = (deps: WsDeps): WsTransport => {
  const { runtime, config, sessions, metrics } = deps
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.limits.wsFrameBytes,
    perMessageDeflate: false,
    clientTracking: true
  })
  const alive = new WeakSet<WebSocket>()

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

  const closeWith = (ws: WebSocket, code: number, reason: string) => {
    if (ws.readyState !== ws.OPEN && ws.readyState !== ws.CONNECTING) return
    ws.close(code, reason)
    // A peer that does not answer the close handshake is cut off.
    setTimeout(() => ws.terminate(), 2000).unref()
  }

  const start = (
    ws: WebSocket,
    req: IncomingMessage,
    principal: UserPrincipal,
    cursor: number | undefined
  ) => {
    if (ws.readyState !== ws.OPEN) return
    const proto = req.headers["x-forwarded-proto"] === "https" ? "https" : "http"
    const listUrl = `${proto}://${req.headers.host ?? "localhost"}/v1/me/notifications`
    const limit = config.limits.sessionQueueBytes
    const session: Session = makeSession({
      app: principal.app.id,
      user: principal.user,
      transport: "ws",
      supportsClientActions: true,
      write: (payload) => {
        if (ws.readyState !== ws.OPEN) return
        if (ws.bufferedAmount + payload.length > limit) {
          metrics.counters.slowConsumersClosed++
          closeWith(ws, CloseCodes.Policy, "slow consumer")
          return
        }
        metrics.counters.framesSent++
        ws.send(payload)
      },
      close: (code, reason) => closeWith(ws, code, reason)
    })
    const expiry = setTimeout(
      () => closeWith(ws, CloseCodes.TokenExpired, "token expired"),
      Math.max(0, principal.exp * 1000 - Date.now())
    )
    expiry.unref()
    ws.once("close", () => {
      clearTimeout(expiry)
      sessions.remove(session)
    })
    metrics.counters.sessionsOpened++
    ws.on("message", (data, isBinary) => {
      alive.add(ws)
      if (isBinary) return closeWith(ws, CloseCodes.MalformedFrame, "binary frames are not accepted")
      const decoded = decodeClientFrame(data.toString())
      if (decoded._tag === "Left" || decoded.right.type === "hello") {
        return closeWith(ws, CloseCodes.MalformedFrame, "malformed frame")
      }
      const frame = decoded.right
      if (frame.type === "ping") return session.write('{"type":"pong"}')
      runtime.runPromise(runAction(session.app, session.user, frame, listUrl)).then(
        (reply) => {
          if (reply !== undefined) session.write(reply)
        },
        (e: unknown) => console.error(`[pushback] action failed: ${String(e)}`)
      )
    })
    runtime.runPromise(openStream(session, cursor)).catch((e: unknown) => {
      console.error(`[pushback] could not open a stream: ${String(e)}`)
      closeWith(ws, 1011, "internal error")
    })
  }

  const authenticate = (
    ws: WebSocket,
    req: IncomingMessage,
    token: string | undefined,
    cursor: number | undefined
  ) => {
    runtime
      .runPromise(
        Effect.flatMap(Auth, (auth) => auth.user(token)).pipe(
          Effect.match({
            onFailure: (error) => () =>
              closeWith(ws, error.expired ? CloseCodes.TokenExpired : CloseCodes.Unauthorized, error.message),
            onSuccess: (principal) => () => start(ws, req, principal, cursor)
          })
        )
      )
      .then(
        (next) => next(),
        (e: unknown) => {
          console.error(`[pushback] websocket auth failed: ${String(e)}`)
          closeWith(ws, 1011, "internal error")
        }
      )
  }

  const onConnection = (ws: WebSocket, req: IncomingMessage) => {
    alive.add(ws)
    ws.on("pong", () => alive.add(ws))
    ws.on("error", () => ws.terminate())
    const url = new URL(req.url ?? "/", "http://localhost")
    const cursor = parseCursor(url.searchParams.get("cursor"))
    if (cursor === "invalid")
      return closeWith(ws, CloseCodes.MalformedFrame, "cursor must be a non-negative integer")
    const token = url.searchParams.get("token")
    if (token !== null) return authenticate(ws, req, token, cursor)
    // No token in the URL: the first frame must be `hello`.
    const timer = setTimeout(() => closeWith(ws, CloseCodes.Unauthorized, "hello expected"), HELLO_TIMEOUT_MS)
    timer.unref()
    ws.once("close", () => clearTimeout(timer))
    ws.once("message", (data, isBinary) => {
      clearTimeout(timer)
      alive.add(ws)
      const decoded = isBinary ? undefined : decodeClientFrame(data.toString())
      if (decoded === undefined || decoded._tag === "Left" || decoded.right.type !== "hello") {
        return closeWith(ws, CloseCodes.MalformedFrame, "the first frame must be hello")
      }
      authenticate(ws, req, decoded.right.token, decoded.right.cursor ?? cursor)
    })
  }

  return {
    handleUpgrade: (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req))
    },
    close: () => {
      clearInterval(heartbeat)
      for (const ws of wss.clients) closeWith(ws, CloseCodes.GoingAway, "server shutting down")
    }
  }
}
