/**
 * The runner of the Connection machine: it keeps the current state, performs each transition's
 * effects — opening the transport, setting the one timer a state needs, fetching tokens — and
 * feeds what happens back in as events, dropping whatever comes from an attempt that has ended.
 * It applies the defaults of the connection's options and watches the network.
 */
import { Codes, type ConnectionState, type TransportName } from "../Codes.js"
import {
  type ConnectionOptions,
  begin,
  type Event,
  inFlight,
  type Settings,
  type Shown,
  type State,
  type Step,
  timerOf,
  transition
} from "../Connection.js"
import type { ResolvedPlatform } from "../Platform.js"
import type { Transport } from "../Transport.js"
import { poll } from "../transports/poll.js"
import { sse } from "../transports/sse.js"
import { websocket } from "../transports/websocket.js"
import type { ClientFrame, ServerFrame } from "../types.js"
import type { Tokens } from "./tokens.js"

/** What the runner reports to its owner. */
export interface ConnectionHooks {
  /** The cursor to resume from, read at every attempt. */
  cursor(): number | undefined
  /** A frame of the open connection (or of the attempt, before `open`). */
  frame(frame: ServerFrame): void
  /**
   * A state to show (a repeat of the one shown is for the owner to drop). Any but `connected`
   * follows the end of the connection: what waits for a reply over it must go another way.
   */
  announce(shown: Shown): void
}

/** What {@link runConnection} needs besides the options. */
export interface ConnectionContext {
  /** The server's base URL, without a trailing slash. */
  readonly url: string
  readonly tokens: Tokens
  readonly platform: ResolvedPlatform
  /** Whether a refused token can be replaced. */
  readonly refresh: boolean
}

/** A running connection. */
export interface Connection {
  /** A `seq` gap: resume from the cursor on a new connection, at once. */
  gap(): void
  /** Ends it for good. */
  close(): void
  /** Sends a frame over the open connection, when its transport carries client actions. */
  send(frame: ClientFrame): boolean
}

const TRANSPORTS = { websocket, sse, poll }

/**
 * Starts connecting, and performs the machine's effects until `close`. `shown` is the state the
 * client showed until now (see `begin`).
 */
export const runConnection = (
  options: ConnectionOptions & ConnectionContext,
  hooks: ConnectionHooks,
  shown: ConnectionState
): Connection => {
  const { platform: p, tokens, exclude = [] } = options
  const usable = (options.transports ?? ["websocket", "sse", "poll"])
    .filter((name) => !exclude.includes(name))
    .map((name) => TRANSPORTS[name](p, options))
    .filter((t) => t.supported())
  const settings: Settings = { ...options, transports: usable.map((t) => t.name) }
  let state: State = { type: "closed" }
  let timer: unknown
  let transport: Transport | undefined
  /** Bumped whenever an attempt ends, so that nothing from it is fed back in. */
  let generation = 0
  const dispatch = (event: Event) => enter(transition(settings, state, event))
  /** Enters the next state, with what it needs, and performs the effects. */
  const enter = ([next, effects]: Step) => {
    const before = state
    if (next === before) return
    state = next
    p.clearTimeout(timer)
    if (inFlight(before) && !inFlight(next)) {
      generation++
      transport?.close()
      transport = undefined
    }
    const ms = timerOf(settings, next)
    if (ms !== undefined) timer = p.setTimeout(() => dispatch({ type: "timer", random: p.random() }), ms)
    if (next.type === "connecting") connect(next.via)
    for (const effect of effects) {
      // An effect (a state shown to a listener) led to another event: these effects are stale.
      if (state !== next) return
      if (effect.type === "forget") tokens.forget()
      else hooks.announce(effect)
    }
  }
  /** Gets a token, then opens `via`; what it reports is fed back in while the attempt lasts. */
  const connect = (via: TransportName) => {
    const gen = generation
    const live = () => gen === generation
    const closed = (code: number, reason: string) =>
      live() && dispatch({ type: "closed", code, reason, random: p.random() })
    const t = usable.find((t) => t.name === via)!
    transport = t
    tokens.get().then(
      (token) =>
        live() &&
        t.connect(
          { url: options.url, token, cursor: hooks.cursor() },
          {
            open: () => live() && dispatch({ type: "opened" }),
            frame: (frame) => live() && hooks.frame(frame),
            close: closed
          }
        ),
      () => closed(Codes.Unauthorized, "getToken failed")
    )
  }
  enter(begin(shown))
  const stopWatching = p.online((online) => dispatch({ type: online ? "online" : "offline" }))
  return {
    gap: () => dispatch({ type: "gap" }),
    close() {
      dispatch({ type: "close" })
      stopWatching()
    },
    send: (frame) => state.type === "open" && transport!.actions && transport!.send(frame)
  }
}
