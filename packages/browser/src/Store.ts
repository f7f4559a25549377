/**
 * The notification store: what a UI renders — the loaded notifications, the unseen and
 * unread counts, the connection state and whether more pages exist — as one immutable
 * snapshot with a `subscribe`, the shape `useSyncExternalStore` takes (TanStack's
 * `Subscribable`). It knows no framework; the client is its only writer.
 */
import type { ConnectionState } from "./Codes.js"
import type { Notification } from "./types.js"

/** Everything the store holds; a new object after every change. */
export interface Snapshot {
  /** Loaded notifications, newest first: the first page, live arrivals, then `loadMore()` pages. */
  readonly notifications: ReadonlyArray<Notification>
  /** Unseen notifications of the user (all of them, loaded or not). */
  readonly unseen: number
  /** Unread notifications of the user (all of them, loaded or not). */
  readonly unread: number
  readonly state: ConnectionState
  /** Whether `loadMore()` has older notifications to load. */
  readonly hasMore: boolean
}

/** A read-only view of the snapshot with change notifications. */
export interface NotificationStore {
  /** The current snapshot; the same object until something changes. */
  readonly getSnapshot: () => Snapshot
  /** Calls `listener` after every change; returns the unsubscribe. */
  readonly subscribe: (listener: () => void) => () => void
}

/** The store, starting at `snapshot`, and its writer (for the client). */
export const makeStore = (snapshot: Snapshot) => {
  const listeners = new Set<() => void>()
  const store: NotificationStore = {
    getSnapshot: () => snapshot,
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
  const set = (patch: Partial<Snapshot>) => {
    snapshot = { ...snapshot, ...patch }
    for (const listener of listeners) listener()
  }
  return { store, set }
}
