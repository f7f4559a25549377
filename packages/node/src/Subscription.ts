/**
 * `subscribe`: a backend worker, a bot, a CLI or a test that receives one user's stream, on the
 * browser SDK's own core (`@pushback/browser/core`: the Connection machine with its transport
 * walk, backoff, liveness and token refresh, and the stream rule), with `ws` and `eventsource` as
 * its platform. WebSocket first, SSE when WebSocket cannot connect.
 *
 * Exactly once, across reconnects and restarts: entries reach the callbacks one at a time, in
 * `seq` order, each after the previous one's callbacks have finished (they may be async); a
 * duplicate is dropped and a gap resumes from the cursor. `onCursor` reports the `seq` of each
 * entry once it is handled, so a worker that stores it and passes it back as `cursor` tomorrow
 * goes on exactly after it. A callback that throws stops the subscription before that entry
 * counts as handled, so a restarted worker gets it again.
 */
import {
  type Code,
  Codes,
  type ConnectionOptions,
  type ConnectionState,
  makeTokens,
  place,
  resolvePlatform,
  runConnection,
  type StateEvent,
  type TransportName
} from "@pushback/browser/core"
import type { Notification, NotificationFrame, ServerFrame, StreamEntryFrame } from "@pushback/protocol/types"
import { AsyncLocalStorage } from "node:async_hooks"
import { EventSource } from "eventsource"
import WebSocket from "ws"

export type { Code, ConnectionState, StateEvent, TransportName }
export { Codes }

/** Whose stream: a user of the app (tokens are minted with the app secret), or the holder of a user token. */
export type SubscribeTarget =
  | { readonly user: string; readonly ttlSeconds?: number }
  | { readonly token: string }

/** Options of {@link PushBack.subscribe}: callbacks, where to start, and the connection's options. */
export interface SubscribeOptions extends ConnectionOptions {
  /** The transports to use, in order. Default: `["websocket", "sse"]`; `"poll"` (long-poll) works too. */
  readonly transports?: ReadonlyArray<TransportName>
  /** A new notification. Runs after `onEntry` for the same entry. */
  readonly onNotification?: (notification: Notification, entry: NotificationFrame) => void | Promise<void>
  /** Every stream entry: a notification, or `seen`, `read`, `deleted` marks made in any session. */
  readonly onEntry?: (entry: StreamEntryFrame) => void | Promise<void>
  /** The connection state changed. */
  readonly onState?: (event: StateEvent) => void
  /** The `seq` handled last (as `onCursor` gave it): the stream goes on after it. Default: from now. */
  readonly cursor?: number | undefined
  /** The cursor moved: after each entry is handled, and at the start or a reset. Store it. */
  readonly onCursor?: (cursor: number) => void | Promise<void>
  /**
   * The stream cannot resume from `cursor` (it is older than the server keeps, or beyond its
   * latest): the entries in between are gone. The stream goes on from `latest`; reconcile over
   * REST (`listNotifications`) if they matter.
   */
  readonly onReset?: (latest: number) => void | Promise<void>
  /** A callback threw: the subscription is closed, the entry not counted as handled. Default: rethrown. */
  readonly onError?: (error: unknown) => void
  /** `WebSocket` and `EventSource` implementations to use instead of `ws` and `eventsource`. */
  readonly WebSocket?: unknown
  readonly EventSource?: unknown
}

/** A live subscription. */
export interface Subscription {
  readonly state: ConnectionState
  /** The `seq` of the last entry handled (or where the stream starts); undefined before the first `welcome`. */
  readonly cursor: number | undefined
  /**
   * Disconnects for good: no timer or socket is left behind. Resolves once the callback that is
   * running, if any, has finished (at once when called from a callback); entries received after
   * it are not handled (they come again from the cursor).
   */
  close(): Promise<void>
}

/**
 * `ws`'s WebSocket, whose errors (a refused or reset connection) are followed by its `close`, as
 * in a browser: without a listener, `ws` would throw them.
 */
class NodeWebSocket extends WebSocket {
  constructor(url: string) {
    super(url)
    this.on("error", () => {})
  }
}

/** Set while a callback runs: its own `close()` must not wait for itself. */
const inCallback = new AsyncLocalStorage<true>()

/** What the queue hands to the callbacks, in order. */
type Job = { readonly entry: StreamEntryFrame } | { readonly cursor: number; readonly reset: boolean }

/** How a subscription gets its tokens: what `PushBack` knows. */
export interface Minter {
  readonly url: string
  /** A fresh token for `user`. */
  mint(user: string, ttlSeconds?: number): string
  /** The user of a token of this app, or undefined. */
  userOf(token: string): string | undefined
}

/** Starts a subscription (see {@link PushBack.subscribe}). */
export const subscribe = (
  minter: Minter,
  target: SubscribeTarget,
  options: SubscribeOptions = {}
): Subscription => {
  const user = "user" in target ? target.user : minter.userOf(target.token)
  const tokens = makeTokens(
    "token" in target ? target.token : undefined,
    user === undefined
      ? undefined
      : async () => minter.mint(user, "user" in target ? target.ttlSeconds : undefined)
  )
  // A token minted here is checked before anything is sent.
  if ("user" in target) minter.mint(target.user, target.ttlSeconds)
  const platform = resolvePlatform({
    WebSocket: (options.WebSocket ?? NodeWebSocket) as typeof globalThis.WebSocket,
    EventSource: (options.EventSource ?? EventSource) as typeof globalThis.EventSource,
    online: () => () => {}
  })
  /** The `seq` received last: where a reconnect resumes. */
  let received = options.cursor
  /** The `seq` handled last. */
  let handled = options.cursor
  const queue: Array<Job> = []
  /** The callbacks in progress, while the queue drains. */
  let draining: Promise<void> | undefined
  let current: StateEvent = { state: "connecting", previous: "connecting", code: Codes.Normal, reason: "" }

  const drain = () => inCallback.run(true, handle)
  const handle = async () => {
    for (let job = queue.shift(); job !== undefined && current.state !== "closed"; job = queue.shift()) {
      try {
        if ("entry" in job) {
          const { entry } = job
          await options.onEntry?.(entry)
          if (entry.type === "notification") await options.onNotification?.(entry.notification, entry)
          handled = entry.seq
        } else {
          if (job.reset) await options.onReset?.(job.cursor)
          handled = job.cursor
        }
        await options.onCursor?.(handled)
      } catch (error) {
        stop("a callback failed")
        if (options.onError) options.onError(error)
        else
          setTimeout(() => {
            throw error
          }, 0)
      }
    }
    draining = undefined
  }
  const push = (job: Job) => {
    queue.push(job)
    draining ??= drain()
  }

  const onFrame = (frame: ServerFrame) => {
    if (frame.type === "welcome") {
      // From now: the stream starts at the server's latest seq, which is where a later run resumes.
      if (received === undefined) push({ cursor: frame.cursor, reset: false })
      received ??= frame.cursor
      return
    }
    if (frame.type === "reset") {
      received = frame.cursor
      return push({ cursor: frame.cursor, reset: true })
    }
    if (!("seq" in frame)) return
    const where = place(received, frame.seq)
    if (where === 2) return connection.gap() // a gap: resume from what was received
    if (where === 1) return // received already
    received = frame.seq
    push({ entry: frame })
  }

  const connection = runConnection(
    {
      transports: ["websocket", "sse"],
      ...options,
      url: minter.url,
      tokens,
      platform,
      refresh: user !== undefined
    },
    {
      cursor: () => received,
      frame: onFrame,
      announce({ state, code, reason, transport }) {
        if (state === current.state || current.state === "closed") return
        current = { state, previous: current.state, code, reason, transport }
        options.onState?.(current)
      }
    },
    "connecting"
  )
  const stop = (reason: string) => {
    if (current.state === "closed") return
    connection.close()
    current = { state: "closed", previous: current.state, code: Codes.Closed, reason }
    options.onState?.(current)
  }

  return {
    get state() {
      return current.state
    },
    get cursor() {
      return handled
    },
    async close() {
      stop("closed")
      if (!inCallback.getStore()) await draining
    }
  }
}
