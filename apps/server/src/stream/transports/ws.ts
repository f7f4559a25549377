/**
 * The WebSocket transport, `GET /v1/ws` (PROTOCOL.md §4). Authenticates by `?token=` or a
 * first `hello` frame, opens the user's stream, runs client actions one after the other in
 * the order each socket sent them, pings idle peers and drops dead ones, and closes slow consumers (1 MiB unsent) with 4008 instead of letting
 * their queue grow. Frames to many sessions are the same bytes, encoded once; a notification
 * with a large body goes as one message in three fragments (the recipient's head, the body
 * every recipient of the call shares as one Buffer, the tail), so it is never copied per socket.
 */
import type { IncomingMessage } from "node:http"
import type { Duplex } from "node:stream"
import { ClientFrame, CloseCodes, type PingFrame } from "@pushback/protocol"
import { Effect, Either, type ManagedRuntime, Schema } from "effect"
import { type WebSocket, WebSocketServer } from "ws"
import { Auth, type UserPrincipal } from "../../auth/Auth.js"
import type { ServerConfig } from "../../config/Config.js"
import type { MetricsShape } from "../../stats/Metrics.js"
import type { Services } from "../../node/Services.js"
import type { StreamEntry } from "../../notify/Encode.js"
import {
  entryBytes,
  type Frame,
  makeSession,
  type Session,
  type SessionsShape,
  sharedPieces
} from "../Sessions.js"
import { type ActionFrame, runAction } from "./actions.js"
import { atExpiry } from "../expiry.js"
import { openStream, parseCursor } from "../stream.js"

const decodeFrame = Schema.decodeUnknownEither(Schema.parseJson(ClientFrame))

/**
 * Decodes a client frame. Effect's union decoder calls `String()` on the `type` it dispatches
 * on, which throws for `{"type": {"toString": 1}}`; outside an Effect that throw would end the
 * process (found by the frame fuzz, issue 17). Such a frame is malformed like any other.
 */
const decodeClientFrame = (text: string): Either.Either<ClientFrame, unknown> => {
  try {
    return decodeFrame(text)
  } catch (e) {
    return Either.left(e)
  }
}
const HELLO_TIMEOUT_MS = 10_000
/** Client frames one socket may have waiting for their turn; past it the socket is closed 4008. */
const MAX_WAITING_FRAMES = 256

/**
 * Runs tasks one at a time, each once the one before it has finished, in the order they were
 * pushed. `push` refuses (false) when `max` tasks are already waiting. A failing task is logged
 * and does not stop the ones after it.
 */
const makeSerialQueue = (max: number) => {
  let tail: Promise<void> = Promise.resolve()
  let waiting = 0
  return {
    push: (task: () => Promise<unknown> | unknown): boolean => {
      if (waiting >= max) return false
      waiting++
      tail = tail.then(async () => {
        try {
          await task()
        } catch (e) {
          console.error(`[pushback] websocket frame failed: ${String(e)}`)
        } finally {
          waiting--
        }
      })
      return true
    }
  }
}

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

/**
 * How a WebSocket endpoint speaks to its clients, when not in PushBack's own frames: the
 * seed-compatible `/ws/notifications` (PROTOCOL.md §9) turns each frame of the stream into its
 * own (none, one or several), takes the token only as `?token=`, and ignores what clients send.
 */
export interface WsDialect {
  readonly frames: (
    app: string,
    user: string,
    frame: Frame
  ) => Effect.Effect<ReadonlyArray<string>, never, Services>
}

/** The WebSocket endpoint: an upgrade handler, plus shutdown. */
export interface WsTransport {
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  /** Closes every socket with 1001 and stops the heartbeat. */
  readonly close: () => void
}

/** Builds the WebSocket transport. */
export const makeWsTransport = (deps: WsDeps, dialect?: WsDialect): WsTransport => {
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

  /** Registers the verified user's session on this socket, or nothing when it closed meanwhile. */
  const start = (ws: WebSocket, principal: UserPrincipal): Session | undefined => {
    if (ws.readyState !== ws.OPEN) return undefined
    const limit = config.limits.sessionQueueBytes
    /** Whether `bytes` more fit in the socket's queue; closes a slow consumer when not. */
    const fits = (bytes: number): boolean => {
      if (ws.readyState !== ws.OPEN) return false
      if (ws.bufferedAmount + bytes <= limit) return true
      metrics.counters.slowConsumersClosed++
      closeWith(ws, CloseCodes.Policy, "slow consumer")
      return false
    }
    const send = (data: string | Buffer) => {
      if (!fits(data.length)) return
      metrics.counters.framesSent++
      ws.send(data, { binary: false })
    }
    const sendEntry = (entry: StreamEntry) => {
      const pieces = sharedPieces(entry)
      if (pieces === undefined) return send(entryBytes(entry))
      const [head, body, tail] = pieces
      if (!fits(head.length + body.length + tail.length)) return
      metrics.counters.framesSent++
      ws.send(head, { binary: false, fin: false })
      ws.send(body, { fin: false })
      ws.send(tail, { fin: true })
    }
    // A dialect's frames are made one stream frame after the other, in order (they may read storage).
    const translations = makeSerialQueue(MAX_WAITING_FRAMES)
    const translate = (frame: Frame) => {
      const queued = translations.push(async () => {
        const texts = await runtime.runPromise(dialect!.frames(principal.app.id, principal.user, frame))
        for (const text of texts) send(text)
      })
      if (!queued) closeWith(ws, CloseCodes.Policy, "slow consumer")
    }
    const session: Session = makeSession({
      app: principal.app.id,
      user: principal.user,
      transport: "ws",
      appSecret: principal.app.secret,
      supportsClientActions: dialect === undefined,
      // A stream entry goes as bytes encoded once for every session of its user (or of the call).
      write:
        dialect === undefined
          ? (frame) => (typeof frame === "string" ? send(frame) : sendEntry(frame))
          : translate,
      close: (code, reason) => closeWith(ws, code, reason)
    })
    const cancelExpiry = atExpiry(principal.exp, () =>
      closeWith(ws, CloseCodes.TokenExpired, "token expired")
    )
    ws.once("close", () => {
      cancelExpiry()
      sessions.remove(session)
    })
    metrics.counters.sessionsOpened++
    return session
  }

  /**
   * Verifies the token and opens the user's stream; resolves once `welcome` and the backlog are
   * written, with the session, or with nothing when the socket was refused or closed.
   */
  const open = async (
    ws: WebSocket,
    token: string | undefined,
    cursor: number | undefined
  ): Promise<Session | undefined> => {
    const verdict = await runtime
      .runPromise(Effect.either(Effect.flatMap(Auth, (auth) => auth.user(token))))
      .catch((e: unknown) => {
        console.error(`[pushback] websocket auth failed: ${String(e)}`)
        closeWith(ws, 1011, "internal error")
        return undefined
      })
    if (verdict === undefined) return undefined
    if (Either.isLeft(verdict)) {
      const error = verdict.left
      closeWith(ws, error.expired ? CloseCodes.TokenExpired : CloseCodes.Unauthorized, error.message)
      return undefined
    }
    const session = start(ws, verdict.right)
    if (session === undefined) return undefined
    try {
      await runtime.runPromise(openStream(session, cursor))
      return session
    } catch (e) {
      console.error(`[pushback] could not open a stream: ${String(e)}`)
      closeWith(ws, 1011, "internal error")
      return undefined
    }
  }

  /** Answers one client frame of an open session (an action's reply, or `pong`). */
  const act = async (session: Session, frame: ActionFrame | PingFrame, listUrl: string): Promise<void> => {
    if (frame.type === "ping") {
      session.write('{"type":"pong"}')
      return
    }
    const reply = await runtime.runPromise(runAction(session.app, session.user, frame, listUrl))
    if (reply !== undefined) session.write(reply)
  }

  const onConnection = (ws: WebSocket, req: IncomingMessage) => {
    alive.add(ws)
    ws.on("pong", () => alive.add(ws))
    ws.on("error", () => ws.terminate())
    const url = new URL(req.url ?? "/", "http://localhost")
    const cursor = parseCursor(url.searchParams.get("cursor"))
    if (cursor === "invalid")
      return closeWith(ws, CloseCodes.MalformedFrame, "cursor must be a non-negative integer")
    const proto = req.headers["x-forwarded-proto"] === "https" ? "https" : "http"
    const listUrl = `${proto}://${req.headers.host ?? "localhost"}/v1/me/notifications`

    // Everything this socket asks is done in the order it was sent: opening the stream first
    // (so `welcome` and the backlog come before any reply), then each frame after the one before
    // has been answered. Frames sent while the token is being checked wait their turn.
    const queue = makeSerialQueue(MAX_WAITING_FRAMES)
    let session: Session | undefined
    let opening = false
    const begin = (token: string | undefined, from: number | undefined) => {
      opening = true
      queue.push(async () => {
        session = await open(ws, token, from)
      })
    }

    const token = url.searchParams.get("token")
    if (dialect !== undefined) {
      // A seed's socket: the token in the URL, live entries only, nothing taken from the client.
      if (token === null) return closeWith(ws, CloseCodes.Unauthorized, "a token query parameter is required")
      begin(token, undefined)
      return
    }
    if (token !== null) begin(token, cursor)
    else {
      // No token in the URL: the first frame must be `hello`.
      const timer = setTimeout(() => {
        if (!opening) closeWith(ws, CloseCodes.Unauthorized, "hello expected")
      }, HELLO_TIMEOUT_MS)
      timer.unref()
      ws.once("close", () => clearTimeout(timer))
    }

    ws.on("message", (data, isBinary) => {
      alive.add(ws)
      const decoded = isBinary ? undefined : decodeClientFrame(data.toString())
      if (!opening) {
        if (decoded === undefined || decoded._tag === "Left" || decoded.right.type !== "hello") {
          return closeWith(ws, CloseCodes.MalformedFrame, "the first frame must be hello")
        }
        return begin(decoded.right.token, decoded.right.cursor ?? cursor)
      }
      if (decoded === undefined)
        return closeWith(ws, CloseCodes.MalformedFrame, "binary frames are not accepted")
      if (decoded._tag === "Left" || decoded.right.type === "hello") {
        return closeWith(ws, CloseCodes.MalformedFrame, "malformed frame")
      }
      const frame = decoded.right
      const queued = queue.push(() => (session === undefined ? undefined : act(session, frame, listUrl)))
      if (!queued) closeWith(ws, CloseCodes.Policy, "too many frames waiting for an answer")
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
