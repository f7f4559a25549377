/**
 * The Server-Sent Events transport, `GET /v1/sse?token=…&cursor=…` (PROTOCOL.md §4, §4.1).
 * For browsers and networks where WebSocket fails: one long `text/event-stream` answer
 * carrying the same frames as WebSocket. Each frame is one event (`event: <type>`,
 * `data: <JSON>`); every stream frame also carries `id: <cursor after it>`, so the browser's
 * own reconnect (`Last-Event-ID`, which wins over `?cursor=`) resumes with no gap or
 * duplicate. A notification with a large body is written as three pieces, the middle one the
 * body every recipient of the call shares as one Buffer, so it is never copied per stream.
 * The session is the hub's `Session`, opened by the shared `openStream`, so
 * delivery never branches by transport. Comment heartbeats keep proxies from timing the
 * stream out; a client that stops reading (`sessionQueueBytes` unsent) is cut off; the
 * stream ends when the token expires, with an `error` event saying why.
 *
 * Each request is one `SseStream` whose `state` is the only record of where it is:
 * authenticating ──token verified──▶ streaming ──end, client gone or failure──▶ ended.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { CloseCodes } from "@pushback/protocol"
import { ApiError, badRequest } from "../../http/ApiError.js"
import type { UserPrincipal } from "../../auth/Auth.js"
import { sendError } from "../../http/Edge.js"
import type { StreamEntry } from "../../notify/Encode.js"
import { encodedOnce, type Frame, sharedPieces } from "../frames.js"
import { makeSession, type Session } from "../Session.js"
import {
  authenticateUser,
  beginRequest,
  closeReasonCode,
  frameTypeOf,
  type HttpTransport,
  type HttpTransportDeps,
  type StreamStart,
  sendInternal,
  shuttingDown,
  tokenOf
} from "./httpStream.js"
import { atExpiry } from "../expiry.js"
import { openStream, parseCursor } from "../stream.js"

/** Reconnect delay hinted to EventSource: spread over this range so a restart is no stampede. */
const RETRY_MIN_MS = 1000
const RETRY_SPREAD_MS = 4000

/** One SSE event. JSON never holds a raw line break, but a stray one must not split the event. */
export const sseEvent = (type: string, data: string, id?: number): string => {
  const lines = /[\r\n]/.test(data) ? data.split(/\r\n|\r|\n/).join("\ndata: ") : data
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${type}\ndata: ${lines}\n\n`
}

/**
 * A stream entry as the pieces of one SSE event (`id:` its seq), made once for every session of
 * its user: the whole event, or around a call's shared body (which holds no line break).
 */
const entryEvent = encodedOnce((entry: StreamEntry): ReadonlyArray<string | Buffer> => {
  const pieces = sharedPieces(entry)
  if (pieces === undefined || entry.notification?.body.hasLineBreak !== false) {
    return [sseEvent(frameTypeOf(entry.payload), entry.payload, entry.seq)]
  }
  const [head, body, tail] = pieces
  return [`id: ${entry.seq}\nevent: notification\ndata: ${head}`, body, `${tail}\n\n`]
})

/** Where one event stream is in its life. */
type SseState =
  /** Its token is being checked (a shutdown answers it 503). */
  | { readonly _tag: "authenticating" }
  /** Its session is open: frames are written as events until it ends. */
  | { readonly _tag: "streaming"; readonly session: Session; readonly cancelExpiry: () => void }
  /** Answered, ended or gone: nothing more is written. */
  | { readonly _tag: "ended" }

const AUTHENTICATING: SseState = { _tag: "authenticating" }
const ENDED: SseState = { _tag: "ended" }

/** One event stream request. */
interface SseStream {
  readonly res: ServerResponse
  state: SseState
}

/** Builds the SSE transport. */
export const makeSseTransport = (deps: HttpTransportDeps): HttpTransport => {
  const { runtime, config, sessions, metrics } = deps
  const limit = config.limits.sessionQueueBytes
  const streams = new Set<SseStream>()
  let accepting = true

  // --- transitions: the only assignments to a stream's `state` ---

  /** Leaves the stream: its session (if any) leaves the hub; nothing more is written. */
  const release = (stream: SseStream) => {
    const state = stream.state
    if (state._tag === "streaming") {
      state.cancelExpiry()
      sessions.remove(state.session)
    }
    stream.state = ENDED
    streams.delete(stream)
  }
  /** Ends a streaming session, telling the client why (a slow consumer is cut off). */
  const end = (stream: SseStream, code: number, reason: string) => {
    if (stream.state._tag !== "streaming") return
    release(stream)
    // A slow consumer cannot take one more byte; everyone else is told why.
    if (code === CloseCodes.Policy) {
      stream.res.destroy()
      return
    }
    const frame = JSON.stringify({ type: "error", code: closeReasonCode(code), message: reason })
    stream.res.end(sseEvent("error", frame))
  }

  // One timer for every stream: a comment at least every `heartbeatSeconds`.
  const heartbeat = setInterval(() => {
    for (const stream of streams) {
      if (stream.state._tag !== "streaming") continue
      if (stream.res.writableLength > limit) {
        metrics.counters.slowConsumersClosed++
        end(stream, CloseCodes.Policy, "slow consumer")
      } else stream.res.write(":\n\n")
    }
  }, config.limits.heartbeatSeconds * 1000)
  heartbeat.unref()

  /** Writes one frame as an event; false when it was not written (ended, or a slow consumer). */
  const writeFrame = (stream: SseStream, session: Session, frame: Frame): boolean => {
    if (stream.state._tag !== "streaming") return false
    const res = stream.res
    // Every frame the hub or openStream writes is welcome, reset or a stream entry,
    // written after `cursor` was moved to where that frame leaves the client; an entry's
    // event is the same text for every session of its user, so it is made once.
    const event =
      typeof frame === "string" ? [sseEvent(frameTypeOf(frame), frame, session.cursor)] : entryEvent(frame)
    let bytes = 0
    for (const piece of event) bytes += piece.length
    if (res.writableLength + bytes > limit) {
      metrics.counters.slowConsumersClosed++
      end(stream, CloseCodes.Policy, "slow consumer")
      return false
    }
    metrics.counters.framesSent++
    if (event.length === 1) res.write(event[0]!)
    else {
      res.cork()
      for (const piece of event) res.write(piece)
      process.nextTick(() => res.uncork())
    }
    return true
  }

  /** The token is verified: the stream's session opens (welcome, then the backlog or reset). */
  const start = (
    stream: SseStream,
    req: IncomingMessage,
    principal: UserPrincipal,
    cursor: number | undefined,
    extra: StreamStart | undefined
  ) => {
    const { res } = stream
    const socket = req.socket
    socket.setNoDelay(true)
    socket.setKeepAlive(true, config.limits.heartbeatSeconds * 1000)
    socket.setTimeout(0)
    // setHeader'd CORS headers merge into these.
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "x-accel-buffering": "no"
    })
    res.write(`retry: ${RETRY_MIN_MS + Math.floor(Math.random() * RETRY_SPREAD_MS)}\n\n`)

    const session: Session = makeSession({
      app: principal.app.id,
      user: principal.user,
      transport: "sse",
      appSecret: principal.app.secret,
      supportsClientActions: false,
      channels: principal.channels,
      write: (frame) => writeFrame(stream, session, frame),
      close: (code, reason) => end(stream, code, reason)
    })
    const cancelExpiry = atExpiry(principal.exp, () =>
      end(stream, CloseCodes.TokenExpired, "user token expired")
    )
    stream.state = { _tag: "streaming", session, cancelExpiry }
    res.once("close", () => release(stream))
    metrics.counters.sessionsOpened++
    // A client gone while the backlog is read has closed its session: the hub does not keep it.
    runtime
      .runPromise(openStream(session, cursor))
      .then(() => extra?.(session, undefined))
      .catch((e: unknown) => {
        release(stream)
        sendInternal(res, "could not open an event stream", e)
      })
  }

  return {
    handle: (req, res) => {
      const url = beginRequest(deps, req, res)
      const lastEventId = req.headers["last-event-id"]
      const fromHeader = typeof lastEventId === "string" && lastEventId.trim() !== ""
      const cursor = parseCursor(fromHeader ? lastEventId.trim() : url.searchParams.get("cursor"))
      if (cursor === "invalid") {
        const field = fromHeader ? "Last-Event-ID" : "cursor"
        return sendError(res, badRequest(`${field} must be a non-negative integer`, field))
      }
      const extra = deps.streamHook?.(url)
      if (extra instanceof ApiError) return sendError(res, extra)
      if (!accepting) return sendError(res, shuttingDown())
      const stream: SseStream = { res, state: AUTHENTICATING }
      streams.add(stream)
      authenticateUser(runtime, tokenOf(req, url)).then(
        (result) => {
          // Not authenticating any more: answered 503 by a shutdown meanwhile.
          if (stream.state._tag !== "authenticating") return
          if (res.writableEnded || res.destroyed) return release(stream)
          if (result._tag === "Right") return start(stream, req, result.right, cursor, extra)
          release(stream)
          sendError(res, result.left)
        },
        (e: unknown) => {
          if (stream.state._tag !== "authenticating") return
          release(stream)
          sendInternal(res, "event stream authentication failed", e)
        }
      )
    },
    close: () => {
      accepting = false
      clearInterval(heartbeat)
      for (const stream of [...streams]) {
        if (stream.state._tag === "streaming") end(stream, CloseCodes.GoingAway, "server shutting down")
        else {
          release(stream)
          sendError(stream.res, shuttingDown())
        }
      }
    }
  }
}
