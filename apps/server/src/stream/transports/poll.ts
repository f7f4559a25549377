/**
 * The long-poll transport, `GET /v1/poll?token=…&cursor=…&wait=25` (PROTOCOL.md §4, §4.1),
 * for networks where neither WebSocket nor a streaming answer gets through. Each request is
 * one short-lived hub `Session`, opened by the shared `openStream` like every transport's:
 *
 * - without a cursor it answers at once `{frames: [welcome], cursor}`;
 * - with a cursor it answers at once with the entries after it (or `reset` for a cursor
 *   that cannot be resumed), else holds up to `wait` seconds and answers as soon as an entry
 *   arrives — after one `setImmediate` tick, so entries that arrive together share an
 *   answer — or with no frames and the same cursor when the wait runs out. A poll with a
 *   cursor carries no `welcome` (docs/transports.md).
 *
 * The session leaves the hub the moment the poll is answered or the client goes away; the
 * server keeps nothing per poller that storage cannot rebuild, so any node answers any poll.
 * The only other state is the count of each user's polls in flight (Limits: the cluster's
 * count on several nodes), to refuse more than `maxPollsPerUser` (429). One answer holds at
 * most about `sessionQueueBytes` of frames; the rest comes with the next poll. A notification's
 * large shared body is written as the one Buffer every recipient of its call shares.
 *
 * Once it holds a poll slot, each request's `state` is the only record of where it is:
 * opening ──backlog sent──▶ waiting ──an entry──▶ answering ──next tick──▶ done
 * (and from any of them to done: answered at once, timed out, closed, or the client gone).
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { CloseCodes } from "@pushback/protocol"
import { ApiError, badRequest } from "../../http/ApiError.js"
import type { UserPrincipal } from "../../auth/Auth.js"
import { sendError } from "../../http/Edge.js"
import { sharedPieces } from "../frames.js"
import { makeSession, type Session } from "../Session.js"
import {
  authenticateUser,
  beginRequest,
  type HttpTransport,
  type HttpTransportDeps,
  type StreamStart,
  sendInternal,
  shuttingDown,
  tokenOf
} from "./httpStream.js"
import { msUntil } from "../expiry.js"
import { openStream, parseCursor } from "../stream.js"

/** Parses `wait` (seconds, up to `max`; decimals allowed); absent means `fallback`. */
export const parseWait = (value: string | null, fallback: number, max: number): number | "invalid" => {
  if (value === null || value === "") return Math.min(fallback, max)
  if (!/^\d{1,6}(\.\d{1,3})?$/.test(value)) return "invalid"
  const seconds = Number(value)
  return seconds <= max ? seconds : "invalid"
}

/** Where one held poll is in its life. */
type PollState =
  /** `openStream` is writing `welcome` or the backlog: frames are collected, not answered yet. */
  | { readonly _tag: "opening" }
  /** Nothing after the cursor yet: held until an entry comes or `timer` (the wait) runs out. */
  | { readonly _tag: "waiting"; readonly timer: NodeJS.Timeout }
  /** An entry came: answered on the next tick, with the entries that came together with it. */
  | { readonly _tag: "answering"; readonly tick: NodeJS.Immediate }
  /** Answered, refused, or the client went away: its session left the hub and its slot is free. */
  | { readonly _tag: "done" }

const OPENING: PollState = { _tag: "opening" }
const DONE: PollState = { _tag: "done" }

/** Builds the long-poll transport. */
export const makePollTransport = (deps: HttpTransportDeps): HttpTransport => {
  const { runtime, config, sessions, metrics, limits } = deps
  const budget = config.limits.sessionQueueBytes
  const authenticating = new Set<ServerResponse>()
  let accepting = true

  /** Takes one of the user's poll slots (429 when none is left), then starts the poll. */
  const hold = (
    res: ServerResponse,
    principal: UserPrincipal,
    cursor: number | undefined,
    wait: number,
    extra: StreamStart | undefined
  ) =>
    runtime.runPromise(limits.holdPoll(principal.app.id, principal.user)).then(
      (held) => {
        if (!held) {
          return sendError(
            res,
            new ApiError({
              code: "rate_limited",
              message: `at most ${config.maxPollsPerUser} concurrent polls per user`,
              retryAfter: 1
            })
          )
        }
        if (res.writableEnded || res.destroyed) return limits.releasePoll(principal.app.id, principal.user)
        start(res, principal, cursor, wait, extra)
      },
      (e: unknown) => sendInternal(res, "could not hold a poll slot", e)
    )

  const start = (
    res: ServerResponse,
    principal: UserPrincipal,
    cursor: number | undefined,
    wait: number,
    extra: StreamStart | undefined
  ) => {
    /** The frames collected, comma-separated, as the pieces to write. */
    const pieces: Array<string | Buffer> = []
    let frames = 0
    let bytes = 0
    /** Where the frames collected so far leave the client. */
    let answerCursor = cursor ?? 0
    let state: PollState = OPENING

    // --- transitions: the only assignments to `state` ---

    /** Done: the timers stop, the session leaves the hub, the slot is given back. */
    const release = () => {
      if (state._tag === "done") return
      if (state._tag === "waiting") clearTimeout(state.timer)
      if (state._tag === "answering") clearImmediate(state.tick)
      state = DONE
      sessions.remove(session)
      limits.releasePoll(principal.app.id, principal.user)
    }
    /** Answers with what was collected (a shutdown, 1001, answers early: poll again elsewhere). */
    const answer = () => {
      if (state._tag === "done") return
      release()
      const all = ['{"frames":[', ...pieces, `],"cursor":${answerCursor}}`]
      let length = 0
      for (const piece of all) length += typeof piece === "string" ? Buffer.byteLength(piece) : piece.length
      res.writeHead(200, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
        "content-length": length
      })
      res.cork()
      for (const piece of all) res.write(piece)
      res.end()
    }
    /** Holds the poll (nothing after the cursor yet), never past the token's expiry. */
    const hold = () => {
      const timer = setTimeout(() => answer(), Math.min(wait * 1000, msUntil(principal.exp)))
      timer.unref()
      state = { _tag: "waiting", timer }
    }
    /** A live entry came while waiting: answer on the next tick, so those that came together go together. */
    const answerSoon = (waiting: Extract<PollState, { _tag: "waiting" }>) => {
      clearTimeout(waiting.timer)
      state = { _tag: "answering", tick: setImmediate(() => answer()) }
    }

    const session: Session = makeSession({
      app: principal.app.id,
      user: principal.user,
      transport: "poll",
      appSecret: principal.app.secret,
      supportsClientActions: false,
      channels: principal.channels,
      write: (frame) => {
        if (state._tag === "done" || bytes >= budget) return false
        // `cursor` has already moved to where this frame leaves the client.
        answerCursor = session.cursor
        if (frames++ > 0) pieces.push(",")
        for (const piece of typeof frame === "string" ? [frame] : (sharedPieces(frame) ?? [frame.payload])) {
          pieces.push(piece)
          bytes += piece.length
        }
        metrics.counters.framesSent++
        if (state._tag === "waiting") answerSoon(state)
        return true
      },
      close: (code, reason) => {
        if (state._tag === "done") return
        if (code === CloseCodes.Unauthorized || code === CloseCodes.TokenExpired) {
          release()
          sendError(res, new ApiError({ code: "unauthorized", message: reason }))
        } else answer()
      }
    })
    res.once("close", release)

    metrics.counters.sessionsOpened++
    // A poll that resumes had its welcome already: none again, and no count read for it. A client
    // gone while the backlog is read has closed its session: the hub does not keep it.
    runtime
      .runPromise(openStream(session, cursor, { welcome: cursor === undefined }))
      .then(() => extra?.(session, { waitSeconds: wait, resuming: cursor !== undefined }))
      .then(
        () => {
          if (state._tag !== "opening") return
          if (cursor === undefined || frames > 0 || wait === 0) return answer()
          hold()
        },
        (e: unknown) => {
          release()
          sendInternal(res, "could not open a poll", e)
        }
      )
  }

  return {
    handle: (req: IncomingMessage, res: ServerResponse) => {
      const url = beginRequest(deps, req, res)
      const cursor = parseCursor(url.searchParams.get("cursor"))
      if (cursor === "invalid") {
        return sendError(res, badRequest("cursor must be a non-negative integer", "cursor"))
      }
      const max = config.limits.maxPollWaitSeconds
      const wait = parseWait(url.searchParams.get("wait"), config.limits.pollWaitSeconds, max)
      if (wait === "invalid") {
        return sendError(res, badRequest(`wait must be a number of seconds from 0 to ${max}`, "wait"))
      }
      const extra = deps.streamHook?.(url)
      if (extra instanceof ApiError) return sendError(res, extra)
      if (!accepting) return sendError(res, shuttingDown())
      authenticating.add(res)
      authenticateUser(runtime, tokenOf(req, url)).then(
        (result) => {
          authenticating.delete(res)
          if (res.writableEnded || res.destroyed) return
          if (!accepting) return sendError(res, shuttingDown())
          if (result._tag === "Left") return sendError(res, result.left)
          return hold(res, result.right, cursor, wait, extra)
        },
        (e: unknown) => {
          authenticating.delete(res)
          sendInternal(res, "poll authentication failed", e)
        }
      )
    },
    close: () => {
      accepting = false
      for (const res of authenticating) sendError(res, shuttingDown())
      authenticating.clear()
    }
  }
}
