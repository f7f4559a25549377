/**
 * Sessions hub: the live sessions of this node, indexed by app and user. Every transport's
 * sessions join it (through `openStream`), the bus hands it stream entries, and `deliver` offers
 * each entry, the same object, to every session of its user in a plain loop: no per-session
 * encoding, allocation, closure or fiber (frames.ts encodes once for all of them). What a
 * session does with an entry depends on its phase, and Session.ts owns those rules.
 *
 * The hub also answers who is online here (Presence mirrors it with `onChange`), closes sessions
 * (shutdown, Control), and holds this server's gap filler: each hub its own, so two servers in
 * one process never share one.
 */
import { Context, Effect, Layer } from "effect"
import { notificationCreatedAtOf, type StreamEntry } from "../notify/Encode.js"
import type { Histogram } from "../stats/Histogram.js"
import { Metrics } from "../stats/Metrics.js"
import { Receipts, type ReceiptsShape } from "./Receipts.js"
import { end, type HubLink, join, offer, type Session, type TransportName } from "./Session.js"

// The types the hub's interface speaks of, for its callers (Presence, Control, compat).
export type { Frame } from "./frames.js"
export type { Session, TransportName } from "./Session.js"

/** The hub's interface. */
export interface SessionsShape {
  /** Adds a session (opening its stream does); a session already closed is not added. */
  readonly add: (session: Session) => void
  /** Takes a session out for good (its transport stopped taking frames); it never rejoins. */
  readonly remove: (session: Session) => void
  /** Delivers entries (of any users of `app`) to this node's sessions. */
  readonly deliver: (app: string, entries: ReadonlyArray<StreamEntry>) => void
  /**
   * Writes a frame that is no stream entry (typing, PROTOCOL.md §13: live only, never stored or
   * replayed) to this node's open sessions of `users` of `app`.
   */
  readonly signal: (app: string, users: ReadonlyArray<string>, frame: string) => void
  /** Every live session of `app` on this node, or of every app. */
  readonly list: (app?: string) => ReadonlyArray<Session>
  /** Calls `listener` after each session joins or leaves (Presence mirrors the hub with it). */
  readonly onChange: (listener: (session: Session, joined: boolean) => void) => void
  readonly sessionsOf: (app: string, user: string) => number
  readonly isOnline: (app: string, user: string) => boolean
  /** The users of `app` with a live session on this node. */
  readonly onlineUsers: (app: string) => ReadonlyArray<string>
  /** Live connections and users with at least one, for one app or all. */
  readonly census: (app?: string) => {
    connections: number
    onlineUsers: number
    byTransport: Record<TransportName, number>
  }
  /** Closes every session (shutdown, app deleted, user deleted). */
  readonly closeWhere: (predicate: (s: Session) => boolean, code: number, reason: string) => void
  /**
   * Sets how this hub's sessions get the entries of a gap whose wake-up never came (the repair
   * service reads them from storage, repair.ts); undefined writes held entries with the gap.
   */
  readonly fillGapsWith: (fill: ((session: Session) => void) | undefined) => void
}

/** The Sessions service tag. */
export class Sessions extends Context.Tag("@pushback/server/Sessions")<Sessions, SessionsShape>() {}

/**
 * Builds an empty hub; its sessions record first deliveries in `receipts`, and each live
 * `notification` entry handed to a session here is timed from its creation (`delays`).
 */
export const makeSessions = (
  receipts: ReceiptsShape | null = null,
  delays: Histogram | null = null
): SessionsShape => {
  const byApp = new Map<string, Map<string, Set<Session>>>()
  /** What every session of this hub links to: its receipts and its gap filler. */
  const link: HubLink = { receipts, fillGap: undefined }

  const listeners: Array<(session: Session, joined: boolean) => void> = []
  const each = (fn: (s: Session) => void, app?: string) => {
    const apps = app === undefined ? byApp.values() : [byApp.get(app) ?? new Map<string, Set<Session>>()]
    for (const users of apps) for (const set of users.values()) for (const s of set) fn(s)
  }

  return {
    add: (session) => {
      if (!join(session, link)) return
      let users = byApp.get(session.app)
      if (users === undefined) {
        users = new Map()
        byApp.set(session.app, users)
      }
      let set = users.get(session.user)
      if (set === undefined) {
        set = new Set()
        users.set(session.user, set)
      }
      if (set.has(session)) return
      set.add(session)
      for (const listener of listeners) listener(session, true)
    },
    remove: (session) => {
      end(session)
      const users = byApp.get(session.app)
      const set = users?.get(session.user)
      if (users === undefined || set === undefined || !set.has(session)) return
      set.delete(session)
      if (set.size === 0) users.delete(session.user)
      if (users.size === 0) byApp.delete(session.app)
      for (const listener of listeners) listener(session, false)
    },
    list: (app) => {
      const all: Array<Session> = []
      each((s) => all.push(s), app)
      return all
    },
    onChange: (listener) => {
      listeners.push(listener)
    },
    deliver: (app, entries) => {
      const users = byApp.get(app)
      if (users === undefined) return
      for (const entry of entries) {
        const set = users.get(entry.user)
        if (set === undefined) continue
        for (const session of set) offer(session, entry)
        if (delays !== null) {
          const created =
            entry.notification !== undefined
              ? entry.notification.body.createdAt()
              : notificationCreatedAtOf(entry.payload)
          if (created !== undefined) delays.observe(Math.max(0, Date.now() - created) / 1000)
        }
      }
    },
    signal: (app, users, frame) => {
      const byUser = byApp.get(app)
      if (byUser === undefined) return
      for (const user of users) {
        for (const session of byUser.get(user) ?? [])
          if (session.phase._tag !== "closed") session.write(frame)
      }
    },
    sessionsOf: (app, user) => byApp.get(app)?.get(user)?.size ?? 0,
    isOnline: (app, user) => (byApp.get(app)?.get(user)?.size ?? 0) > 0,
    onlineUsers: (app) => [...(byApp.get(app)?.keys() ?? [])],
    census: (app) => {
      const byTransport: Record<TransportName, number> = { ws: 0, sse: 0, poll: 0 }
      let connections = 0
      let onlineUsers = 0
      for (const [id, users] of byApp) {
        if (app !== undefined && id !== app) continue
        onlineUsers += users.size
        for (const set of users.values()) {
          connections += set.size
          for (const s of set) byTransport[s.transport]++
        }
      }
      return { connections, onlineUsers, byTransport }
    },
    closeWhere: (predicate, code, reason) => {
      const doomed: Array<Session> = []
      each((s) => {
        if (predicate(s)) doomed.push(s)
      })
      for (const s of doomed) s.close(code, reason)
    },
    fillGapsWith: (fill) => {
      link.fillGap = fill
    }
  }
}

/** The in-memory hub of this node. */
export const layerSessions: Layer.Layer<Sessions, never, Receipts | Metrics> = Layer.effect(
  Sessions,
  Effect.gen(function* () {
    return makeSessions(yield* Receipts, (yield* Metrics).histograms.notifyToFrameSeconds)
  })
)
