/**
 * One WebSocket connection (PROTOCOL.md §4) and its lifecycle, a single `WsState` changed only
 * by the transitions in `makeWsConnection`:
 *
 *   awaitingHello ──hello──▶ authenticating ──token verified──▶ open ──close──▶ closing
 *   (a `?token=` starts at authenticating)                      any ──socket closed──▶ closed
 *
 * Everything a socket asks is done in the order it was sent: opening the stream first (so
 * `welcome` and the backlog come before any reply), then each client frame after the one before
 * has been answered. Frames sent while the token is checked wait their turn; frames received
 * before the socket closed are still applied (a mark sent just before a close is kept), only
 * their replies go nowhere.
 */
import { ClientFrame, CloseCodes, type HelloFrame } from "@pushback/protocol"
import { Effect, Either, type ManagedRuntime, Schema } from "effect"
import type { WebSocket } from "ws"
import { Auth, type UserPrincipal } from "../../auth/Auth.js"
import type { Config, ServerConfig } from "../../config/Config.js"
import type { Delivery } from "../../notify/Delivery.js"
import type { MetricsShape } from "../../stats/Metrics.js"
import type { Store } from "../../storage/Store.js"
import { atExpiry } from "../expiry.js"
import type { Frame } from "../frames.js"
import { makeSession, type Session } from "../Session.js"
import type { Sessions, SessionsShape } from "../Sessions.js"
import { openStream } from "../stream.js"
import { type ActionFrame, runAction } from "./actions.js"
import type { ClientFrameHandlers } from "./frameHandlers.js"
import { closeReason, frameRefusal, refusalFrame } from "./frameRefusal.js"
import { MAX_WAITING_FRAMES, makeDialectWrite, makeSerialQueue, makeWsWrite } from "./wsWrite.js"

/** The services a WebSocket connection uses: auth, opening the stream, client actions. */
export type WsNeeds = Auth | Sessions | Store | Delivery | Config

/**
 * How a WebSocket endpoint speaks to its clients, when not in PushBack's own frames: the
 * seed-compatible `/ws/notifications` (PROTOCOL.md §9) turns each frame of the stream into its
 * own (none, one or several), takes the token only as `?token=`, and ignores what clients send.
 */
export interface WsDialect<R> {
  readonly frames: (app: string, user: string, frame: Frame) => Effect.Effect<ReadonlyArray<string>, never, R>
}

/** What the WebSocket transport needs from the server (`R`: what its dialect uses). */
export interface WsDeps<R> {
  readonly runtime: ManagedRuntime.ManagedRuntime<WsNeeds | R, never>
  readonly config: ServerConfig
  readonly sessions: SessionsShape
  readonly metrics: MetricsShape
  /** The handlers of client frames beyond §4.1's actions, by type (node/frames.ts). */
  readonly frames?: ClientFrameHandlers
}

/** The user's session on a socket, once its token was verified. */
interface Opened {
  readonly session: Session
  readonly cancelExpiry: () => void
}

/** Where one connection is in its life. */
export type WsState =
  /** No token in the URL: the first frame must be `hello`, within 10 s. */
  | { readonly _tag: "awaitingHello"; readonly timer: NodeJS.Timeout }
  /** The token is being checked; client frames wait their turn. */
  | { readonly _tag: "authenticating" }
  /** The user's session: `welcome` and the backlog, then live entries and replies. */
  | { readonly _tag: "open"; readonly opened: Opened }
  /** A close frame was sent; a peer that does not answer is cut off after 2 s. */
  | { readonly _tag: "closing"; readonly opened: Opened | undefined }
  /** The socket closed: the session left the hub. */
  | { readonly _tag: "closed"; readonly opened: Opened | undefined }

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

/** The client actions of §4.1, answered by actions.ts. */
const ACTION_TYPES: ReadonlySet<string> = new Set(["seen", "read", "delete", "unseen", "page"])

/** The session a connection has or had (frames received before a close are still applied). */
const sessionOf = (state: WsState): Session | undefined =>
  state._tag === "awaitingHello" || state._tag === "authenticating" ? undefined : state.opened?.session

/**
 * Closes a socket with `code` (once open or opening); a peer that does not answer the close
 * handshake is cut off after 2 s.
 */
export const closeSocket = (ws: WebSocket, code: number, reason: string): void => {
  if (ws.readyState !== ws.OPEN && ws.readyState !== ws.CONNECTING) return
  ws.close(code, closeReason(reason))
  setTimeout(() => ws.terminate(), 2000).unref()
}

/** How a connection starts: the URL's token (none: wait for `hello`) and cursor. */
export interface WsStart {
  readonly token: string | undefined
  readonly cursor: number | undefined
}

/** One connection, as its endpoint sees it. */
export interface WsConnection {
  /** Closes it with `code` (shutdown, a refusal). */
  readonly close: (code: number, reason: string) => void
}

/**
 * Runs one connection from its start: with `dialect`, the token given in the URL and no client
 * frames; else `?token=` or a `hello` first, then client actions. `listUrl` is the user's REST
 * list (for `page` links); `touch` marks the peer alive; `onClosed` is called once it closed.
 */
export const makeWsConnection = <R>(
  deps: WsDeps<R>,
  dialect: WsDialect<R> | undefined,
  ws: WebSocket,
  start: WsStart,
  listUrl: string,
  touch: () => void,
  onClosed: () => void
): WsConnection => {
  const { runtime, config, sessions, metrics } = deps
  // Where it starts is decided at the end, once the transitions exist: `authenticate` with a
  // token from the URL, else `awaitHello`.
  let state: WsState = { _tag: "authenticating" }

  // --- transitions: the only assignments to `state` ---

  const close = (code: number, reason: string) => {
    if (state._tag === "closing" || state._tag === "closed") return
    if (state._tag === "awaitingHello") clearTimeout(state.timer)
    state = { _tag: "closing", opened: state._tag === "open" ? state.opened : undefined }
    closeSocket(ws, code, reason)
  }
  const awaitHello = () => {
    const timer = setTimeout(() => {
      if (state._tag === "awaitingHello") close(CloseCodes.Unauthorized, "hello expected")
    }, HELLO_TIMEOUT_MS)
    timer.unref()
    state = { _tag: "awaitingHello", timer }
  }
  /** Verifies the token and opens the stream, before any frame sent after it. */
  const authenticate = (token: string | undefined, cursor: number | undefined) => {
    if (state._tag === "awaitingHello") clearTimeout(state.timer)
    state = { _tag: "authenticating" }
    queue.push(() => open(token, cursor))
  }
  /** The token is verified: the user's session on this socket, unless it closed meanwhile. */
  const opened = (principal: UserPrincipal): Session | undefined => {
    if (state._tag !== "authenticating" || ws.readyState !== ws.OPEN) return undefined
    const session = makeSession({
      app: principal.app.id,
      user: principal.user,
      transport: "ws",
      appSecret: principal.app.secret,
      supportsClientActions: dialect === undefined,
      channels: principal.channels,
      write: dialect === undefined ? writer.write : translated(principal),
      close
    })
    const cancelExpiry = atExpiry(principal.exp, () => close(CloseCodes.TokenExpired, "token expired"))
    state = { _tag: "open", opened: { session, cancelExpiry } }
    metrics.counters.sessionsOpened++
    return session
  }
  ws.once("close", () => {
    if (state._tag === "awaitingHello") clearTimeout(state.timer)
    const had = state._tag === "open" || state._tag === "closing" ? state.opened : undefined
    state = { _tag: "closed", opened: had }
    if (had !== undefined) {
      had.cancelExpiry()
      sessions.remove(had.session)
    }
    onClosed()
  })

  // --- what each state does ---

  const writer = makeWsWrite(ws, config.limits.sessionQueueBytes, metrics, close)
  const translated = (principal: UserPrincipal) =>
    makeDialectWrite(
      writer.send,
      (frame) => runtime.runPromise(dialect!.frames(principal.app.id, principal.user, frame)),
      close
    )
  const queue = makeSerialQueue(MAX_WAITING_FRAMES)

  /** Verifies the token and opens the user's stream; resolves once `welcome` and the backlog are written. */
  const open = async (token: string | undefined, cursor: number | undefined): Promise<void> => {
    const verdict = await runtime
      .runPromise(Effect.either(Effect.flatMap(Auth, (auth) => auth.user(token))))
      .catch((e: unknown) => {
        console.error(`[pushback] websocket auth failed: ${String(e)}`)
        close(1011, "internal error")
        return undefined
      })
    if (verdict === undefined) return
    if (Either.isLeft(verdict)) {
      const error = verdict.left
      close(error.expired ? CloseCodes.TokenExpired : CloseCodes.Unauthorized, error.message)
      return
    }
    const session = opened(verdict.right)
    if (session === undefined) return
    try {
      await runtime.runPromise(openStream(session, cursor))
    } catch (e) {
      console.error(`[pushback] could not open a stream: ${String(e)}`)
      close(1011, "internal error")
    }
  }

  /**
   * Answers one client frame (an action's reply, or `pong`) with the session it was sent to; a
   * type beyond §4.1's goes to the handler its concept registered (frameHandlers.ts).
   */
  const act = async (frame: Exclude<ClientFrame, HelloFrame>): Promise<void> => {
    const session = sessionOf(state)
    if (session === undefined) return
    if (frame.type === "ping") {
      session.write('{"type":"pong"}')
      return
    }
    if (ACTION_TYPES.has(frame.type)) {
      const reply = await runtime.runPromise(
        runAction(session.app, session.user, frame as ActionFrame, listUrl)
      )
      if (reply !== undefined) session.write(reply)
      return
    }
    const handler = deps.frames?.[frame.type]
    if (handler === undefined) {
      session.write(
        JSON.stringify({ type: "error", code: "bad_request", message: `${frame.type} is not served here` })
      )
      return
    }
    const reply = await handler(session, frame).catch((e: unknown) => {
      console.error(`[pushback] internal error in a ${frame.type} frame: ${String(e)}`)
      return undefined
    })
    if (reply !== undefined) session.write(reply)
  }

  if (dialect !== undefined) {
    // A seed's socket: the token in the URL, live entries only, nothing taken from the client.
    authenticate(start.token, undefined)
    return { close }
  }
  if (start.token !== undefined) authenticate(start.token, start.cursor)
  else awaitHello()

  ws.on("message", (data, isBinary) => {
    touch()
    const decoded = isBinary ? undefined : decodeClientFrame(data.toString())
    if (state._tag === "awaitingHello") {
      if (decoded === undefined || decoded._tag === "Left" || decoded.right.type !== "hello") {
        const why =
          decoded?._tag === "Left"
            ? `the first frame must be hello; ${frameRefusal(data.toString())}`
            : "the first frame must be hello"
        if (decoded !== undefined) writer.send(refusalFrame(why))
        return close(CloseCodes.MalformedFrame, why)
      }
      return authenticate(decoded.right.token, decoded.right.cursor ?? start.cursor)
    }
    if (decoded === undefined) return close(CloseCodes.MalformedFrame, "binary frames are not accepted")
    if (decoded._tag === "Left" || decoded.right.type === "hello") {
      // An `error` frame says what was wrong (an unknown type, by name) before the close (§16).
      const why = decoded._tag === "Left" ? frameRefusal(data.toString()) : "hello is only the first frame"
      writer.send(refusalFrame(why))
      return close(CloseCodes.MalformedFrame, why)
    }
    const frame = decoded.right
    if (!queue.push(() => act(frame))) close(CloseCodes.Policy, "too many frames waiting for an answer")
  })
  return { close }
}
