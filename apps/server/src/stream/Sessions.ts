/**
 * Sessions hub: the live sessions of this node by app and user. Every transport registers
 * its sessions here and the bus hands stream entries here; one encoded string is written to
 * every session of the user, with no per-session encoding or allocation, and a large body
 * shared by every recipient of a call is written as one Buffer to all of them (`sharedPieces`).
 *
 * A session that has just connected is "catching up" (reading its backlog from storage):
 * live entries are held for it and flushed once the backlog is sent, so nothing is lost in
 * between and nothing is sent twice (each session remembers the last seq it was handed).
 *
 * Entries can arrive out of seq order when commits run at once (PostgreSQL's pool: the call
 * that took seq 6 may publish before the one that took seq 5). A session holds an entry that
 * comes early until the ones before it arrive, so it still sees every seq once, in order.
 */
import { randomUUID } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import { NOTIFICATION_TAIL, notificationCreatedAtOf, notificationIdOf } from "../notify/Encode.js"
import type { Histogram } from "../stats/Histogram.js"
import { Metrics } from "../stats/Metrics.js"
import { Receipts, type ReceiptsShape } from "./Receipts.js"
import type { StreamEntry } from "../notify/Encode.js"

/** The kinds of transport a session can use. */
export type TransportName = "ws" | "sse" | "poll"

/**
 * One live connection of one user, whatever its transport. Transports implement `write`
 * and `close`; the hub and the stream logic do the rest.
 */
export interface Session {
  readonly id: string
  readonly app: string
  readonly user: string
  readonly transport: TransportName
  /** The secret of the app its token was checked with (a rotation closes the session). */
  readonly appSecret: string
  /** When it opened (ISO-8601). */
  readonly openedAt: string
  /** What the transport can do besides receiving (WebSocket takes client actions). */
  readonly capabilities: { readonly supportsClientActions: boolean }
  /** The last seq handed to this session. */
  cursor: number
  /** Entries that arrived while the backlog was being read, or null once live. */
  pending: Array<StreamEntry> | null
  /** Live entries that came before the seq they follow, by seq (null when none). */
  early: Map<number, StreamEntry> | null
  /**
   * Writes one frame: encoded JSON text, or a stream entry (see `entryBytes`). Answers false
   * when the frame was not taken (a long-poll answer that is full or already sent).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a transport that always takes the frame returns nothing
  readonly write: (frame: Frame) => boolean | void
  /** Where the hub records first deliveries (set when the session joins it). */
  receipts: ReceiptsShape | null
  /** Closes the session with a WebSocket-style code. */
  readonly close: (code: number, reason: string) => void
}

/**
 * A frame to write: JSON text (welcome, reset, replies), or a stream entry, which the hub
 * hands as the same object to every session of its user so that a transport can encode it
 * once for all of them (`entryBytes`, `encodedOnce`).
 */
export type Frame = string | StreamEntry

/**
 * One encoding of a stream entry, made the first time a session needs it and shared by every
 * other session it is written to (a user with several tabs and devices), then garbage with it.
 */
export const encodedOnce = <A>(encode: (entry: StreamEntry) => A) => {
  const cache = new WeakMap<StreamEntry, A>()
  return (entry: StreamEntry): A => {
    let encoded = cache.get(entry)
    if (encoded === undefined) {
      encoded = encode(entry)
      cache.set(entry, encoded)
    }
    return encoded
  }
}

/** A stream entry's frame as UTF-8 bytes, encoded once for all its sessions. */
export const entryBytes = encodedOnce((entry) => Buffer.from(entry.payload))

/**
 * From this size a call's shared body is written as its own piece. Below it one whole frame
 * per recipient costs less than the extra writes; above it, copying the body into every
 * recipient's frame is what costs (a 60 KB broadcast to 300 users made 36 MB of garbage).
 */
export const SHARED_BODY_MIN_BYTES = 2048

/**
 * A `notification` entry of a call with a large body as the pieces of its frame: the
 * recipient's head, the body's bytes (the same Buffer for every recipient of the call) and the
 * tail. Undefined for any other entry, which is written whole.
 */
export const sharedPieces = (entry: StreamEntry): readonly [string, Buffer, string] | undefined => {
  const parts = entry.notification
  if (parts === undefined || parts.body.text.length < SHARED_BODY_MIN_BYTES) return undefined
  return [parts.head, parts.body.bytes, NOTIFICATION_TAIL]
}

/** What a transport gives to open a session: who, how, and its two operations. */
export interface SessionInit {
  readonly app: string
  readonly user: string
  readonly transport: TransportName
  readonly appSecret: string
  readonly supportsClientActions: boolean
  // biome-ignore lint/suspicious/noConfusingVoidType: as Session's write
  readonly write: (frame: Frame) => boolean | void
  readonly close: (code: number, reason: string) => void
}

/** A new session, not yet in the hub (`openStream` adds it). */
export const makeSession = (init: SessionInit): Session => ({
  id: randomUUID(),
  app: init.app,
  user: init.user,
  transport: init.transport,
  appSecret: init.appSecret,
  openedAt: new Date().toISOString(),
  capabilities: { supportsClientActions: init.supportsClientActions },
  cursor: 0,
  pending: null,
  early: null,
  receipts: null,
  write: init.write,
  close: init.close
})

/**
 * Writes a stream entry to a session and moves its cursor: every stream write goes through
 * here (live, held, replayed), so a `notification` entry's first write is always recorded.
 */
export const hand = (session: Session, entry: StreamEntry): void => {
  session.cursor = entry.seq
  if (session.write(entry) === false || session.receipts === null) return
  const id = entry.notification?.id ?? notificationIdOf(entry.payload)
  if (id !== undefined) session.receipts.record(session.app, session.user, id)
}

/** Hands entries to one session in order, skipping what it already has. */
export const offer = (session: Session, entry: StreamEntry): void => {
  if (session.pending !== null) {
    session.pending.push(entry)
    return
  }
  if (entry.seq <= session.cursor) return
  if (entry.seq > session.cursor + 1) {
    holdEarly(session, entry)
    return
  }
  hand(session, entry)
  if (session.early !== null) flushEarly(session, false)
}

/**
 * How long an early entry waits for the ones before it. They are committed already (a seq
 * is taken inside its transaction, so a rollback gives it back), only their wake-up is late;
 * past this the held entries are written anyway, as a lost wake-up would leave them.
 */
const EARLY_WAIT_MS = 1000

const holdEarly = (session: Session, entry: StreamEntry): void => {
  let early = session.early
  if (early === null) {
    const held = new Map<number, StreamEntry>()
    early = session.early = held
    // Only this episode's entries: a later one gets its own wait.
    setTimeout(() => session.early === held && giveUpWaiting(session), EARLY_WAIT_MS).unref()
  }
  early.set(entry.seq, entry)
}

/**
 * What fills a gap whose wake-up never came: set by the repair service (cluster/repair.ts) to
 * read the missing entries from storage. Without one, the held entries are written anyway and
 * the client's gap detection resumes.
 */
let fillGap: ((session: Session) => void) | undefined

/** Sets how a session's missing entries are read from storage (see `fillGap`). */
export const setGapFiller = (fill: ((session: Session) => void) | undefined): void => {
  fillGap = fill
}

const giveUpWaiting = (session: Session): void => {
  if (fillGap === undefined) {
    flushEarly(session, true)
    return
  }
  session.early = null
  fillGap(session)
}

/** Writes the held entries that now follow the cursor (all of them, in order, when `giveUp`). */
const flushEarly = (session: Session, giveUp: boolean): void => {
  const early = session.early
  if (early === null) return
  const held = giveUp ? [...early.values()].sort((a, b) => a.seq - b.seq) : []
  for (let next = early.get(session.cursor + 1); next !== undefined; next = early.get(session.cursor + 1)) {
    early.delete(next.seq)
    hand(session, next)
  }
  for (const entry of held) {
    if (entry.seq <= session.cursor) continue
    hand(session, entry)
  }
  if (giveUp) early.clear()
  if (early.size === 0) session.early = null
}

/** Ends catch-up: writes held entries after the cursor, then goes live. */
export const goLive = (session: Session): void => {
  const held = session.pending ?? []
  session.pending = null
  held.sort((a, b) => a.seq - b.seq)
  for (const entry of held) offer(session, entry)
}

/** The hub's interface. */
export interface SessionsShape {
  readonly add: (session: Session) => void
  readonly remove: (session: Session) => void
  /** Delivers entries (of any users of `app`) to this node's sessions. */
  readonly deliver: (app: string, entries: ReadonlyArray<StreamEntry>) => void
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

  const listeners: Array<(session: Session, joined: boolean) => void> = []
  const each = (fn: (s: Session) => void, app?: string) => {
    const apps = app === undefined ? byApp.values() : [byApp.get(app) ?? new Map<string, Set<Session>>()]
    for (const users of apps) for (const set of users.values()) for (const s of set) fn(s)
  }

  return {
    add: (session) => {
      session.receipts = receipts
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
