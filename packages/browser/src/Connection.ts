/**
 * Connection: one client's way to the stream, as a state machine. Its state is one value of a
 * union — `idle`, `connecting`, `open`, `waiting`, `closed` — each carrying what it needs, and
 * `transition` is a pure function from a state and an event (the transport opened or closed with
 * a code, a timer fired, the network went or came, a gap, `close()`) to the next state and what to
 * tell the client. What a state needs from the world comes with entering it, and the runner
 * (`internal/runConnection.ts`) provides it: `connecting` gets a token and opens its transport,
 * `connecting`, `waiting` and a fresh `open` get their one timer, and leaving an attempt ends it.
 *
 * What lives here: the transport walk (WebSocket, SSE, long-poll; 0 ms to the next when one
 * cannot connect; the one that worked tried first), capped full-jitter backoff with one attempt in
 * flight, a backoff that starts over only after `stableAfter` up, the connect timeout, and a fresh
 * token after 4001/4009. The heartbeat is the transports' (an open WebSocket that goes silent is
 * closed with `HeartbeatTimeout`, which is a loss like any other). Which frames are applied, and
 * what the cursor is, is the caller's: the runner asks it for the cursor at each attempt.
 */
import { backoff } from "./Backoff.js"
import { Codes, type ConnectionState, type StateEvent, type TransportName } from "./Codes.js"

/** Where the walk over the transports stands; kept from state to state. */
export interface Walk {
  /** Attempts since the backoff last started over. */
  readonly attempt: number
  /** The position of the next transport to try, the one that worked first. */
  readonly walk: number
  /** The transport that connected last, if any. */
  readonly worked?: TransportName | undefined
}

/**
 * - `idle`: nothing in flight or scheduled: it `waits` for the network to come back, or for
 *   nothing (a refused token without `getToken`, no usable transport) until the network goes
 *   and comes back.
 * - `connecting`: an attempt over `via` — a token, then the transport — within `timeout`.
 * - `open`: frames flow over `via`; while `attempt` is not 0, it is reset after `stableAfter`.
 * - `waiting`: the next attempt is `delay` ms away.
 * - `closed`: `close()` was called; final.
 */
export type State =
  | (Walk & { readonly type: "idle"; readonly waits: "online" | "nothing" })
  | (Walk & { readonly type: "connecting"; readonly via: TransportName })
  | (Walk & { readonly type: "open"; readonly via: TransportName })
  | (Walk & { readonly type: "waiting"; readonly delay: number })
  | { readonly type: "closed" }

/** A state to show and why: a state event without its `previous`. */
export type Shown = Omit<StateEvent, "previous">

/**
 * What the machine reacts to. `random` (in [0, 1)) draws the jitter of a backoff it may start; a
 * token that cannot be had (`getToken` failed) is a `closed` with `Unauthorized`. `close` ends it
 * for good (what to show then is the owner's).
 */
export type Event =
  | { readonly type: "online" }
  | { readonly type: "offline" }
  /** The state's timer fired. */
  | { readonly type: "timer"; readonly random: number }
  | { readonly type: "opened" }
  | { readonly type: "closed"; readonly code: number; readonly reason: string; readonly random: number }
  /** A `seq` gap: resume from the cursor on a new connection. */
  | { readonly type: "gap" }
  | { readonly type: "close" }

/** What a transition tells the client besides the new state. */
export type Effect =
  /** Show this state (the client drops a repeat of the state it shows). */
  | (Shown & { readonly type: "announce" })
  /** The token was refused: the next attempt fetches a fresh one. */
  | { readonly type: "forget" }

/** The connection's options (of `PushBack.init`, and of `subscribe` in `@pushback/node`). */
export interface ConnectionOptions {
  /** The transports to use, in order. Default: `["websocket", "sse", "poll"]`. */
  readonly transports?: ReadonlyArray<TransportName>
  /** Transports never to use. */
  readonly exclude?: ReadonlyArray<TransportName>
  /** Backoff base in ms. Default 500. */
  readonly minReconnectDelay?: number
  /** Backoff cap in ms. Default 20000. */
  readonly maxReconnectDelay?: number
  /** Time a transport gets to connect (a token from `getToken` included), in ms. Default 10000. */
  readonly timeout?: number
  /** WebSocket: silence in ms after which the client sends a ping; 0 for never. Default 25000. */
  readonly pingInterval?: number
  /**
   * Time in ms the server gets to answer a ping (any frame will do) before the connection counts
   * as lost; for long-poll, the margin beyond a poll's wait. Default 10000.
   */
  readonly pongTimeout?: number
  /** Time in ms a connection must stay up before the backoff starts over. Default 10000. */
  readonly stableAfter?: number
}

/** What the machine decides with: the options, the usable transports, and whether a refused token can be replaced (`getToken`). */
export interface Settings extends Omit<ConnectionOptions, "transports" | "exclude"> {
  /** The usable transports, in the order they are tried. */
  readonly transports: ReadonlyArray<TransportName>
  readonly refresh: boolean
}

/** The timer a state runs on entry, in ms; undefined: none. */
export const timerOf = (s: Settings, state: State): number | undefined =>
  state.type === "waiting"
    ? state.delay
    : state.type === "connecting"
      ? (s.timeout ?? 10_000)
      : state.type === "open" && state.attempt > 0
        ? (s.stableAfter ?? 10_000)
        : undefined

/** Whether `state` is an attempt or a connection (leaving one ends it). */
export const inFlight = (state: State): boolean => state.type === "connecting" || state.type === "open"

/** A transition: the next state, and what to tell the client. */
export type Step = [State, ReadonlyArray<Effect>]

const show = (state: ConnectionState, code: number, reason: string, transport?: TransportName): Effect => ({
  type: "announce",
  state,
  code,
  reason,
  transport
})
const OFFLINE = show("disconnected", Codes.Offline, "offline")
/** A state's own fields, without the walk's. */
type Own<T = State> = T extends Walk ? Omit<T, keyof Walk> : never
/** The next state: `next`, with the walk of `from` carried over unless `next` changes it. */
const to = ({ attempt, walk, worked }: Walk, next: Own & Partial<Walk>, ...effects: Array<Effect>): Step => [
  { attempt, walk, worked, ...next } as State,
  effects
]

/**
 * The first step of a connection, once this tab may connect: an attempt at once. `shown` is the
 * state the tab showed until now; a follower that mirrored a live connection has just lost it.
 */
export const begin = (shown: ConnectionState): Step => [
  { type: "waiting", delay: 0, attempt: 0, walk: 0 },
  shown === "connected" ? [show("reconnecting", Codes.Leader, "took over the shared connection")] : []
]

/** The next state and the effects to perform, for `event` in `state`. */
export const transition = (s: Settings, state: State, event: Event): Step => {
  const same: Step = [state, []]
  if (state.type === "closed") return same
  const { type, attempt, walk, worked } = state
  /** An attempt or connection ended with `code`: the next attempt, and when. */
  const lost = (code: number, reason: string, random: number): Step => {
    const delay = (n: number) =>
      backoff(n, s.minReconnectDelay ?? 500, s.maxReconnectDelay ?? 20_000, () => random)
    const shown = type === "open" ? [show("reconnecting", code, reason)] : []
    if (code === Codes.Unauthorized || code === Codes.TokenExpired) {
      if (!s.refresh) return to(state, { type: "idle", waits: "nothing" }, show("disconnected", code, reason))
      // A token refused on a connection that had stayed up: at once, with a fresh one.
      return to(
        state,
        { type: "waiting", delay: attempt && delay(attempt), attempt: attempt + 1 },
        { type: "forget" },
        ...shown
      )
    }
    // The next transport, at once. One that worked before is first tried a few rounds alone.
    if (type === "connecting" && walk + 1 < s.transports.length && (!worked || attempt >= 3))
      return to(state, { type: "waiting", delay: 0, walk: walk + 1 })
    return to(state, { type: "waiting", delay: delay(attempt), attempt: attempt + 1, walk: 0 }, ...shown)
  }
  switch (event.type) {
    case "close":
      return [{ type: "closed" }, []]
    case "offline":
      return type === "idle" && state.waits === "online"
        ? same
        : to(state, { type: "idle", waits: "online" }, OFFLINE)
    case "online":
      // Back online: at once, and the backoff starts over.
      if (type !== "idle" || state.waits !== "online") return same
      return to(
        state,
        { type: "waiting", delay: 0, attempt: 0, walk: 0 },
        show(worked ? "reconnecting" : "connecting", Codes.Online, "online")
      )
    case "timer": {
      if (type === "open") return [{ ...state, attempt: 0 }, []]
      if (type === "connecting") return lost(Codes.Timeout, "connect timeout", event.random)
      if (type !== "waiting") return same
      const { transports } = s
      // The transport that worked first, then the others.
      const list =
        worked && transports.includes(worked)
          ? [worked, ...transports.filter((t) => t !== worked)]
          : transports
      const next = walk < list.length ? walk : 0
      const via = list[next]
      if (!via)
        return to(
          state,
          { type: "idle", waits: "nothing" },
          show("disconnected", Codes.NoTransport, "no usable transport")
        )
      return to(state, { type: "connecting", via, walk: next })
    }
    case "opened":
      // The backoff starts over only once this connection has stayed up (its timer), so a
      // server that accepts and then closes is retried ever more slowly.
      return type === "connecting"
        ? to(
            state,
            { type: "open", via: state.via, worked: state.via, walk: 0 },
            show("connected", Codes.Connected, state.via, state.via)
          )
        : same
    case "closed":
      return type === "connecting" || type === "open" ? lost(event.code, event.reason, event.random) : same
    case "gap":
      return type === "open"
        ? to(state, { type: "waiting", delay: 0 }, show("reconnecting", Codes.Gap, "seq gap"))
        : same
  }
}
