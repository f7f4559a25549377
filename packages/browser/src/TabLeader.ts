/**
 * TabLeader: one server connection per browser and user. The tabs of one origin ask for a Web
 * Lock named after the server and user; the one that holds it leads — it connects and relays
 * every frame and state change on a BroadcastChannel of the same name — and the others follow
 * what it relays. When the leader goes away (its tab closes, or `close()`), the lock passes to the
 * next tab, which leads from the cursor it followed, so nothing is lost. A tab that joins says
 * hello and the leader answers with its state and cursor.
 *
 * Without Web Locks or BroadcastChannel, without a user name, or when sharing is off, the tab
 * leads on its own at once.
 */
import type { StateEvent } from "./Codes.js"
import type { ResolvedPlatform } from "./Platform.js"
import type { ServerFrame } from "./types.js"

/** The leader's state and cursor. */
export interface LeaderState {
  readonly s: StateEvent
  readonly c: number | undefined
}

/** What tabs tell each other: a frame the leader received, the leader's state, a tab's hello. */
export type TabMessage = { readonly f: ServerFrame } | LeaderState | { readonly h: 1 }

/** What the election reports to its tab. */
export interface TabHooks {
  /** This tab leads from now on: connect. */
  lead(): void
  /** A follower's news from the leader: a frame, or its state and cursor. */
  follow(message: { readonly f: ServerFrame } | LeaderState): void
  /** The leader's answer to a tab that joins. */
  hello(): LeaderState
}

/** This tab's place among the tabs. */
export interface TabLeader {
  /** Whether this tab holds the connection. */
  readonly leading: boolean
  /** Tells the following tabs (only the leader speaks). */
  relay(message: TabMessage): void
  /** Leaves: the lock (and the connection with it) passes to another tab. */
  close(): void
}

/** Where a tab stands: 0 following the leader, 1 leading, 2 gone (closed); numbers, for the size budget. */
type Role = 0 | 1 | 2

/** Joins the tabs named `name`, or leads alone when `name` is undefined or the platform cannot share. */
export const electLeader = (
  platform: Pick<ResolvedPlatform, "locks" | "BroadcastChannel">,
  name: string | undefined,
  hooks: TabHooks
): TabLeader => {
  const { locks, BroadcastChannel: Channel } = platform
  if (!name || !locks || !Channel) {
    hooks.lead()
    return { leading: true, relay() {}, close() {} }
  }
  let role: Role = 0
  let release: (() => void) | undefined
  const abort = new AbortController()
  const channel = new Channel(name)
  channel.onmessage = ({ data }: MessageEvent<TabMessage>) => {
    if (role === 1) {
      if ("h" in data) channel.postMessage(hooks.hello())
    } else if (role === 0 && !("h" in data)) hooks.follow(data)
  }
  locks
    .request(
      name,
      { signal: abort.signal },
      () =>
        new Promise<void>((resolve) => {
          release = resolve
          if (role === 2) return resolve()
          role = 1
          hooks.lead()
        })
    )
    .catch(() => {})
  channel.postMessage({ h: 1 } satisfies TabMessage)
  return {
    get leading() {
      return role === 1
    },
    relay(message) {
      if (role === 1) channel.postMessage(message)
    },
    close() {
      role = 2
      release?.()
      abort.abort()
      channel.close()
    }
  }
}
