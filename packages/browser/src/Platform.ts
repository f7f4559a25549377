/**
 * The platform globals the SDK touches, passed in as options so the same client runs in a
 * browser, in Node and under fake timers (centrifuge-js, TanStack's `onlineManager`). Every
 * field is optional; what is left out is read from `globalThis` when the client starts.
 */

/** Watches connectivity: calls `set(false)` when offline and `set(true)` when back; returns a cleanup. */
export type OnlineWatcher = (set: (online: boolean) => void) => () => void

/** The part of the Web Locks API used to elect the tab that holds the shared connection. */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown>
}

/** Platform globals; anything missing comes from `globalThis`. */
export interface Platform {
  readonly WebSocket?: typeof WebSocket | undefined
  readonly EventSource?: typeof EventSource | undefined
  readonly fetch?: typeof fetch | undefined
  readonly setTimeout?: (callback: () => void, ms: number) => unknown
  readonly clearTimeout?: (id: unknown) => void
  /** A number in [0, 1); jitter for reconnect delays. */
  readonly random?: () => number
  readonly online?: OnlineWatcher
  /** Web Locks (`navigator.locks`); with `BroadcastChannel`, lets tabs share one connection. */
  readonly locks?: LockManagerLike | undefined
  readonly BroadcastChannel?: typeof BroadcastChannel | undefined
}

/** A platform with every field resolved. */
export interface ResolvedPlatform {
  readonly WebSocket: typeof WebSocket | undefined
  readonly EventSource: typeof EventSource | undefined
  readonly fetch: typeof fetch
  readonly setTimeout: (callback: () => void, ms: number) => unknown
  readonly clearTimeout: (id: unknown) => void
  readonly random: () => number
  readonly online: OnlineWatcher
  readonly locks: LockManagerLike | undefined
  readonly BroadcastChannel: typeof BroadcastChannel | undefined
}

/** `window`'s online and offline events and `navigator.onLine`; nothing where they do not exist. */
const browserOnline: OnlineWatcher = (set) => {
  const g = globalThis
  if (typeof g.addEventListener !== "function") return () => {}
  const on = (event: Event) => set(event.type === "online")
  g.addEventListener("online", on)
  g.addEventListener("offline", on)
  if (g.navigator?.onLine === false) set(false)
  return () => {
    g.removeEventListener("online", on)
    g.removeEventListener("offline", on)
  }
}

/**
 * Fills in what `platform` leaves out. Globals are called through arrow functions: browsers
 * refuse `fetch` or `setTimeout` called as a method of another object ("Illegal invocation").
 */
export const resolvePlatform = (platform: Platform = {}): ResolvedPlatform => {
  const g = globalThis
  return {
    // These four: a field that is given, even as undefined, wins (undefined: "this platform has none").
    WebSocket: g.WebSocket,
    EventSource: g.EventSource,
    locks: g.navigator?.locks,
    BroadcastChannel: g.BroadcastChannel,
    ...platform,
    fetch: platform.fetch ?? ((input, init) => g.fetch(input, init)),
    setTimeout: platform.setTimeout ?? ((callback, ms) => g.setTimeout(callback, ms)),
    clearTimeout: platform.clearTimeout ?? ((id) => g.clearTimeout(id as number)),
    random: platform.random ?? Math.random,
    online: platform.online ?? browserOnline
  }
}
