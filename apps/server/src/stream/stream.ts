/**
 * Opening a user's stream on any transport: register the session (so no live entry can be
 * missed), send `welcome`, then either the entries after the client's cursor or `reset`,
 * then go live. Resume is a query on storage, so any node can serve any reconnect.
 */
import { Effect } from "effect"
import { goLive, hand, type Session, Sessions } from "./Sessions.js"
import { Store } from "../storage/Store.js"

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
    session.pending = []
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
      session.cursor = latest
      welcome(latest)
      goLive(session)
      return 0
    }
    session.cursor = cursor
    return yield* replay(
      session,
      () => welcome(cursor),
      (latest) => welcome(latest)
    )
  })

/**
 * Brings a live session up to storage: holds live entries, writes every entry after its
 * cursor (or `reset` when the cursor is older than what is kept), then goes live again. Used
 * by `openStream` and by the repair of lost wake-ups (cluster/repair.ts): any node can
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
    if (session.pending === null) session.pending = []
    session.early = null
    const window = yield* store.streamAfter(session.app, session.user, session.cursor, REPLAY_CHUNK)
    if (!window.resumable) {
      session.cursor = window.latest
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
      for (const entry of chunk) {
        if (entry.seq > session.cursor) hand(session, entry)
      }
      replayed += chunk.length
      if (chunk.length < REPLAY_CHUNK) break
      chunk = (yield* store.streamAfter(session.app, session.user, session.cursor, REPLAY_CHUNK)).entries
    }
    goLive(session)
    return replayed
  })
