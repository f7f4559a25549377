/**
 * Opening a user's stream on any transport: register the session (so no live entry can be
 * missed), send `welcome`, then either the entries after the client's cursor or `reset`,
 * then go live. Resume is a query on storage, so any node can serve any reconnect. The
 * session's phase changes only through Session.ts (`startCatchUp`, `placeAt`, `goLive`).
 */
import { Effect } from "effect"
import { Store } from "../storage/Store.js"
import { goLive, handBacklog, placeAt, type Session, startCatchUp } from "./Session.js"
import { Sessions } from "./Sessions.js"

/** Parses a cursor parameter: absent, or a non-negative integer; anything else is invalid. */
export const parseCursor = (value: string | null | undefined): number | undefined | "invalid" => {
  if (value === null || value === undefined || value === "") return undefined
  if (!/^\d{1,15}$/.test(value)) return "invalid"
  return Number(value)
}

/** Stream entries read from storage at a time while replaying a backlog. */
const REPLAY_CHUNK = 1000

/** The `welcome` frame. */
export const welcomeFrame = (session: Session, cursor: number, unseen: number): string =>
  JSON.stringify({ type: "welcome", user: session.user, session: session.id, cursor, unseen })

/**
 * Attaches `session` to the hub and writes its opening frames: `welcome` (unless told not
 * to: a long-poll that resumes has had one), then the backlog or `reset`. Returns the count
 * of stream entries replayed (for logs and tests).
 */
export const openStream = (
  session: Session,
  cursor: number | undefined,
  options: { welcome?: boolean } = {}
) =>
  Effect.gen(function* () {
    const store = yield* Store
    const sessions = yield* Sessions
    // Catching up before it joins: a live entry that comes while the backlog is read is held.
    // A session already closed (its client went away first) is not opened.
    if (!startCatchUp(session)) return 0
    sessions.add(session)
    const sendWelcome = options.welcome !== false
    // The unseen count and the latest seq, from one snapshot; not read when neither is needed.
    const counts =
      sendWelcome || cursor === undefined ? yield* store.counts(session.app, session.user) : undefined
    const welcome = (at: number) => {
      if (sendWelcome && counts !== undefined) session.write(welcomeFrame(session, at, counts.unseen))
    }
    if (cursor === undefined) {
      const latest = counts!.cursor // read above whenever there is no cursor
      placeAt(session, latest)
      welcome(latest)
      goLive(session)
      return 0
    }
    placeAt(session, cursor)
    return yield* replay(
      session,
      () => welcome(cursor),
      (latest) => welcome(latest)
    )
  })

/**
 * Brings a live session up to storage: holds live entries, writes every entry after its
 * cursor (or `reset` when the cursor is older than what is kept), then goes live again. Used
 * by `openStream` and by the repair of lost wake-ups (repair.ts): any node can
 * rebuild any session's position from storage alone.
 */
export const catchUp = (session: Session) =>
  replay(
    session,
    () => undefined,
    () => undefined
  )

const replay = (session: Session, resumable: () => void, reset: (latest: number) => void) =>
  Effect.gen(function* () {
    const store = yield* Store
    if (!startCatchUp(session)) return 0
    const window = yield* store.streamAfter(session.app, session.user, session.cursor, REPLAY_CHUNK)
    if (!window.resumable) {
      placeAt(session, window.latest)
      reset(window.latest)
      session.write(JSON.stringify({ type: "reset", cursor: window.latest }))
      goLive(session)
      return 0
    }
    resumable()
    // The backlog is read in chunks until it is all sent: entries beyond the retention count
    // may still exist until the next pruning, and none may be skipped.
    let replayed = 0
    let chunk = window.entries
    while (chunk.length > 0) {
      const open = handBacklog(session, chunk)
      replayed += chunk.length
      if (!open || chunk.length < REPLAY_CHUNK) break
      chunk = (yield* store.streamAfter(session.app, session.user, session.cursor, REPLAY_CHUNK)).entries
    }
    goLive(session)
    return replayed
  })
