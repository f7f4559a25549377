/**
 * What the provider hands its hooks: a subscribable view of one client's store, the shape
 * `useSyncExternalStore` takes. React never holds a copy of the state; it reads the SDK
 * store's snapshot through this view.
 *
 * A provider given a client uses a fixed view of it. A provider given init options creates
 * its client in an effect (never during render, so neither server rendering nor StrictMode's
 * double render opens a connection), and until then its view shows the empty snapshot.
 */
import type { PushBackClient, Snapshot } from "@pushback/browser"

/** A view of a client's store, and the client once there is one. */
export interface Source {
  readonly subscribe: (listener: () => void) => () => void
  readonly getSnapshot: () => Snapshot
  readonly getClient: () => PushBackClient | undefined
  /** Resolves with the client: at once, or when the provider has created it. */
  readonly client: () => Promise<PushBackClient>
}

/**
 * The snapshot before a client exists, and the one server rendering uses: the SDK store's
 * own initial value. One frozen object, so every read returns the same reference.
 */
export const EMPTY: Snapshot = Object.freeze({
  notifications: Object.freeze([]),
  unseen: 0,
  unread: 0,
  state: "connecting",
  hasMore: false
})

/** The view of a client the application owns. */
export const fixedSource = (client: PushBackClient): Source => {
  const ready = Promise.resolve(client)
  return {
    subscribe: (listener) => client.store.subscribe(listener),
    getSnapshot: () => client.store.getSnapshot(),
    getClient: () => client,
    client: () => ready
  }
}

/** A view that shows `EMPTY` until `attach` gives it a client. */
export const lazySource = (): {
  readonly source: Source
  readonly attach: (client: PushBackClient) => void
} => {
  let current: PushBackClient | undefined
  let unsubscribe: (() => void) | undefined
  const listeners = new Set<() => void>()
  let waiting: Array<(client: PushBackClient) => void> = []
  const notify = () => {
    for (const listener of listeners) listener()
  }
  const source: Source = {
    subscribe: (listener) => {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    getSnapshot: () => current?.store.getSnapshot() ?? EMPTY,
    getClient: () => current,
    client: () => (current ? Promise.resolve(current) : new Promise((resolve) => waiting.push(resolve)))
  }
  const attach = (client: PushBackClient) => {
    if (client === current) return
    unsubscribe?.()
    current = client
    unsubscribe = client.store.subscribe(notify)
    const resolve = waiting
    waiting = []
    for (const r of resolve) r(client)
    notify()
  }
  return { source, attach }
}
