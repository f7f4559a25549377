/**
 * One live session of one user, whatever its transport, and its lifecycle. A session's `phase`
 * is one value of a union, and this module is the only one that changes it (or its cursor):
 * the hub (Sessions.ts), opening a stream (stream.ts) and the repair (repair.ts) call the
 * transitions below, so every rule of exactly-once, in-order delivery is in one place.
 *
 *   live ──(an entry comes before the seq it follows)──▶ holding ──(gap filled or 1 s)──▶ live
 *   live | holding ──startCatchUp──▶ catchingUp ──goLive──▶ live
 *   any ──end──▶ closed (final)
 *
 * Why no `closing`: the hub is done with a session as soon as its transport leaves it; a close
 * handshake (WebSocket waits up to 2 s for the peer's close frame) is the transport's own
 * lifecycle (transports/*.ts), during which the transport takes no frames.
 *
 * Hot path: `offer` in the live phase is a tag check, a compare and the transport's write; it
 * allocates nothing (the `live` and `closed` phases are shared constants).
 */
import { randomUUID } from "node:crypto"
import { notificationIdOf, type StreamEntry } from "../notify/Encode.js"
import type { Frame } from "./frames.js"
import type { ReceiptsShape } from "./Receipts.js"

/** The kinds of transport a session can use. */
export type TransportName = "ws" | "sse" | "poll"

/**
 * Where a session is in its life:
 * - `catchingUp`: its backlog is being read from storage (it just opened, or a lost wake-up is
 *   being repaired); live entries wait in `held` and are offered once the backlog is sent, so
 *   nothing is lost in between and nothing is sent twice;
 * - `live`: each entry is written as it arrives;
 * - `holding`: live, but entries came before the seq they follow (PostgreSQL commits at once,
 *   so the call that took seq 6 may publish before the one that took seq 5); they wait in
 *   `early`, by seq, up to a second for the missing ones;
 * - `closed`: its transport stopped taking frames and it left the hub; it never rejoins.
 */
export type Phase =
  | { readonly _tag: "catchingUp"; readonly held: Array<StreamEntry> }
  | { readonly _tag: "live" }
  | { readonly _tag: "holding"; readonly early: Map<number, StreamEntry> }
  | { readonly _tag: "closed" }

const LIVE: Phase = { _tag: "live" }
const CLOSED: Phase = { _tag: "closed" }

/** What a session gets from the hub it joins (one object per hub, shared by its sessions). */
export interface HubLink {
  /** Where first deliveries are recorded, or null. */
  readonly receipts: ReceiptsShape | null
  /**
   * Reads a session's missing entries from storage when a gap's wake-up never came (the repair
   * service sets it); without one the held entries are written anyway and the client's gap
   * detection resumes.
   */
  fillGap: ((session: Session) => void) | undefined
}

/**
 * One live connection of one user. Transports implement `write` and `close`; `phase`, `cursor`
 * and `hub` change only through this module's transitions.
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
  /** The channels its token lets it subscribe to (`channels` claim, PROTOCOL.md §12). */
  readonly channels: ReadonlyArray<string>
  /** The last seq handed to this session: where the frames written so far leave its client. */
  readonly cursor: number
  /** Where it is in its life (see `Phase`). */
  readonly phase: Phase
  /** The hub it joined (null before). */
  readonly hub: HubLink | null
  /**
   * Writes one frame: encoded JSON text, or a stream entry (see `entryBytes`). Answers false
   * when the frame was not taken (a closed transport, a slow consumer, a full long-poll answer).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a transport that always takes the frame returns nothing
  readonly write: (frame: Frame) => boolean | void
  /** Closes the session with a WebSocket-style code. */
  readonly close: (code: number, reason: string) => void
}

/** The fields the transitions below change. */
type Mutable = { -readonly [K in "cursor" | "phase" | "hub"]: Session[K] }
const state = (session: Session): Mutable => session as Mutable

/** What a transport gives to open a session: who, how, and its two operations. */
export interface SessionInit {
  readonly app: string
  readonly user: string
  readonly transport: TransportName
  readonly appSecret: string
  readonly supportsClientActions: boolean
  /** The token's `channels` claim, if any. */
  readonly channels?: ReadonlyArray<string> | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: as Session's write
  readonly write: (frame: Frame) => boolean | void
  readonly close: (code: number, reason: string) => void
}

/**
 * A new session at cursor 0, in no hub yet. It is `live`, but nothing reaches it until
 * `openStream` has started its catch-up and added it to the hub.
 */
export const makeSession = (init: SessionInit): Session => ({
  id: randomUUID(),
  app: init.app,
  user: init.user,
  transport: init.transport,
  appSecret: init.appSecret,
  openedAt: new Date().toISOString(),
  capabilities: { supportsClientActions: init.supportsClientActions },
  channels: init.channels ?? [],
  cursor: 0,
  phase: LIVE,
  hub: null,
  write: init.write,
  close: init.close
})

/** Whether it takes entries as they come (`live` or `holding`): what the repair checks. */
export const isLive = (session: Session): boolean =>
  session.phase._tag === "live" || session.phase._tag === "holding"

/** Links a session to the hub that adds it; false (and no link) once it is closed. */
export const join = (session: Session, hub: HubLink): boolean => {
  if (session.phase === CLOSED) return false
  state(session).hub = hub
  return true
}

/**
 * Ends a session for good: nothing is written to it again and it never rejoins a hub. The hub
 * calls it when a transport removes the session, even one that has not joined yet (its client
 * went away while it was opening).
 */
export const end = (session: Session): void => {
  state(session).phase = CLOSED
}

/**
 * Writes a stream entry to a session and moves its cursor: every stream write goes through
 * here (live, held, replayed), so a `notification` entry's first write is always recorded.
 */
const hand = (session: Session, entry: StreamEntry): void => {
  state(session).cursor = entry.seq
  const receipts = session.hub?.receipts
  if (session.write(entry) === false || receipts == null) return
  const id = entry.notification?.id ?? notificationIdOf(entry.payload)
  if (id !== undefined) receipts.record(session.app, session.user, id)
}

/** Hands an entry to one session in order, skipping what it already has. */
export const offer = (session: Session, entry: StreamEntry): void => {
  const phase = session.phase
  if (phase._tag === "catchingUp") {
    phase.held.push(entry)
    return
  }
  if (phase === CLOSED || entry.seq <= session.cursor) return
  if (entry.seq > session.cursor + 1) {
    holdEarly(session, entry)
    return
  }
  hand(session, entry)
  if (phase._tag === "holding" && session.phase === phase) flushEarly(session, phase, false)
}

/**
 * How long an early entry waits for the ones before it. They are committed already (a seq
 * is taken inside its transaction, so a rollback gives it back), only their wake-up is late;
 * past this the held entries are filled from storage, or written anyway.
 */
const EARLY_WAIT_MS = 1000

const holdEarly = (session: Session, entry: StreamEntry): void => {
  const phase = session.phase
  if (phase._tag === "holding") {
    phase.early.set(entry.seq, entry)
    return
  }
  const holding: Phase = { _tag: "holding", early: new Map([[entry.seq, entry]]) }
  state(session).phase = holding
  // Only this episode's entries: a later one gets its own wait.
  setTimeout(() => session.phase === holding && giveUpWaiting(session, holding), EARLY_WAIT_MS).unref()
}

const giveUpWaiting = (session: Session, holding: Extract<Phase, { _tag: "holding" }>): void => {
  const fill = session.hub?.fillGap
  if (fill === undefined) {
    flushEarly(session, holding, true)
    return
  }
  state(session).phase = LIVE
  fill(session)
}

/** Writes the held entries that now follow the cursor (all of them, in order, when `giveUp`). */
const flushEarly = (
  session: Session,
  holding: Extract<Phase, { _tag: "holding" }>,
  giveUp: boolean
): void => {
  const early = holding.early
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
  if (early.size === 0 && session.phase === holding) state(session).phase = LIVE
}

/**
 * Starts reading a session's backlog: live entries are held from now on, and entries held
 * early are dropped (the backlog read from storage has them). A session already catching up
 * keeps what it holds. False when it is closed: there is nothing to catch up.
 */
export const startCatchUp = (session: Session): boolean => {
  const phase = session.phase
  if (phase === CLOSED) return false
  if (phase._tag !== "catchingUp") state(session).phase = { _tag: "catchingUp", held: [] }
  return true
}

/**
 * Places a session that is catching up at `seq`: where the frame written next (`welcome` or
 * `reset`) leaves its client, and where its backlog starts.
 */
export const placeAt = (session: Session, seq: number): void => {
  if (session.phase._tag === "catchingUp") state(session).cursor = seq
}

/**
 * Writes backlog entries read from storage, those after the cursor, in order. Answers false
 * once the session is closed, so the reading stops.
 */
export const handBacklog = (session: Session, entries: ReadonlyArray<StreamEntry>): boolean => {
  for (const entry of entries) {
    if (session.phase === CLOSED) return false
    if (entry.seq > session.cursor) hand(session, entry)
  }
  return session.phase !== CLOSED
}

/** Ends catch-up: goes live, then offers the entries held meanwhile in seq order. */
export const goLive = (session: Session): void => {
  const phase = session.phase
  if (phase._tag !== "catchingUp") return
  state(session).phase = LIVE
  const held = phase.held
  held.sort((a, b) => a.seq - b.seq)
  for (const entry of held) offer(session, entry)
}
