/**
 * Opening a user's stream on any transport: register the session (so no live entry can be
 * missed), send `welcome`, then either the entries after the client's cursor or `reset`,
 * then go live. Resume is a query on storage, so any node can serve any reconnect.
 */
import { Effect } from "effect"
import { Config } from "../Config.js"
import { goLive, type Session, Sessions } from "../Sessions.js"
import { Store } from "../Store.js"

/** Parses a cursor parameter: absent, or a non-negative integer; anything else is invalid. */
export const parseCursor = (value: string | null | undefined): number | undefined | "invalid" => {
  if (value === null || value === undefined || value === "") return undefined
  if (!/^\d{1,15}$/.test(value)) return "invalid"
  return Number(value)
}

/** The `welcome` frame. */
export const welcomeFrame = (session: Session, cursor: number, unseen: number): string =>
  JSON.stringify({ type: "welcome", user: session.user, session: session.id, cursor, unseen })

/**
 * Attaches `session` to the hub and writes its opening frames. Returns the frames' count
 * of stream entries replayed (for logs and tests).
 */
export const openStream = (session: Session, cursor: number | undefined) =>
  Effect.gen(function* () {
    const store = yield* Store
    const sessions = yield* Sessions
    const config = yield* Config
    session.pending = []
    sessions.add(session)
    const { unseen } = yield* store.counts(session.app, session.user)
    if (cursor === undefined) {
      const latest = yield* store.latestSeq(session.app, session.user)
      session.cursor = latest
      session.write(welcomeFrame(session, latest, unseen))
      goLive(session)
      return 0
    }
    const window = yield* store.streamAfter(
      session.app,
      session.user,
      cursor,
      config.limits.retentionEntries + 1
    )
    if (!window.resumable) {
      session.cursor = window.latest
      session.write(welcomeFrame(session, window.latest, unseen))
      session.write(JSON.stringify({ type: "reset", cursor: window.latest }))
      goLive(session)
      return 0
    }
    session.cursor = cursor
    session.write(welcomeFrame(session, cursor, unseen))
    for (const entry of window.entries) {
      session.cursor = entry.seq
      session.write(entry.payload)
    }
    goLive(session)
    return window.entries.length
  })
