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
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { CloseCodes } from "@pushback/protocol"
import { badRequest } from "../../http/ApiError.js"
import type { UserPrincipal } from "../../auth/Auth.js"
import { sendError } from "../../http/Edge.js"
import { encodedOnce, makeSession, type Session, sharedPieces } from "../Sessions.js"
import type { StreamEntry } from "../../notify/Encode.js"
import {
  authenticateUser,
  beginRequest,
  closeReasonCode,
  frameTypeOf,
  type HttpTransport,
  type HttpTransportDeps,
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

/** An open event stream, as the heartbeat and shutdown see it. */
interface OpenStream {
  readonly res: ServerResponse
  readonly end: (code: number, reason: string) => void
}

/** Builds the SSE transport. */
export const makeSseTransport = (deps: HttpTransportDeps): HttpTransport => {
  const { runtime, config, sessions, metrics } = deps
  const limit = config.limits.sessionQueueBytes
  const open = new Set<OpenStream>()
  const authenticating = new Set<ServerResponse>()
  let closing = false

  // One timer for every stream: a comment at least every `heartbeatSeconds`.
  const heartbeat = setInterval(() => {
    for (const stream of open) {
      if (stream.res.writableLength > limit) {
        metrics.counters.slowConsumersClosed++
        stream.end(CloseCodes.Policy, "slow consumer")
      } else stream.res.write(":\n\n")
    }
  }, config.limits.heartbeatSeconds * 1000)
  heartbeat.unref()

  const start = (req: IncomingMessage, res: ServerResponse, principal: UserPrincipal, cursor?: number) => {
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

    let ended = false
    const session: Session = makeSession({
      app: principal.app.id,
      user: principal.user,
      transport: "sse",
      appSecret: principal.app.secret,
      supportsClientActions: false,
      write: (frame) => {
        if (ended) return
        // Every frame the hub or openStream writes is welcome, reset or a stream entry,
        // written after `cursor` was moved to where that frame leaves the client; an entry's
        // event is the same text for every session of its user, so it is made once.
        const event =
          typeof frame === "string"
            ? [sseEvent(frameTypeOf(frame), frame, session.cursor)]
            : entryEvent(frame)
        let bytes = 0
        for (const piece of event) bytes += piece.length
        if (res.writableLength + bytes > limit) {
          metrics.counters.slowConsumersClosed++
          end(CloseCodes.Policy, "slow consumer")
          return
        }
        metrics.counters.framesSent++
        if (event.length === 1) res.write(event[0]!)
        else {
          res.cork()
          for (const piece of event) res.write(piece)
          process.nextTick(() => res.uncork())
        }
      },
      close: (code, reason) => end(code, reason)
    })
    const stream: OpenStream = { res, end: (code, reason) => end(code, reason) }
    const cancelExpiry = atExpiry(principal.exp, () => end(CloseCodes.TokenExpired, "user token expired"))

    const release = () => {
      ended = true
      cancelExpiry()
      open.delete(stream)
      sessions.remove(session)
    }
    function end(code: number, reason: string) {
      if (ended) return
      release()
      // A slow consumer cannot take one more byte; everyone else is told why.
      if (code === CloseCodes.Policy) {
        res.destroy()
        return
      }
      const frame = JSON.stringify({ type: "error", code: closeReasonCode(code), message: reason })
      res.end(sseEvent("error", frame))
    }
    res.once("close", () => {
      if (!ended) release()
    })

    open.add(stream)
    metrics.counters.sessionsOpened++
    runtime.runPromise(openStream(session, cursor)).then(
      () => {
        // The client may have gone while the backlog was read: openStream added it again.
        if (ended) sessions.remove(session)
      },
      (e: unknown) => {
        release()
        sendInternal(res, "could not open an event stream", e)
      }
    )
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
      if (closing) return sendError(res, shuttingDown())
      authenticating.add(res)
      authenticateUser(runtime, tokenOf(req, url)).then(
        (result) => {
          authenticating.delete(res)
          if (res.writableEnded || res.destroyed) return
          if (closing) return sendError(res, shuttingDown())
          if (result._tag === "Left") return sendError(res, result.left)
          start(req, res, result.right, cursor)
        },
        (e: unknown) => {
          authenticating.delete(res)
          sendInternal(res, "event stream authentication failed", e)
        }
      )
    },
    close: () => {
      closing = true
      clearInterval(heartbeat)
      for (const res of authenticating) sendError(res, shuttingDown())
      authenticating.clear()
      for (const stream of [...open]) stream.end(CloseCodes.GoingAway, "server shutting down")
    }
  }
}
