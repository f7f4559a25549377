/**
 * `PushBack`: the entry point. `PushBack.init(options)` creates a client and makes it the
 * default, so the seed's style — `PushBack.init(…); PushBack.subscribe(onNotification,
 * onDisconnect)` — works, from a module import or from the script-tag global alike.
 */
import { createClient } from "./Client.js"
import type { PushBackClient, PushBackOptions } from "./PushBackClient.js"

/** The `PushBack` object: `init`, plus every client method acting on the default client. */
export interface PushBackStatic extends PushBackClient {
  /** Creates a client and makes it the default (closing the previous default client), and returns it. */
  init(options: PushBackOptions): PushBackClient
  /** The default client: the one the last `init` created. */
  readonly client: PushBackClient | undefined
}

let current: PushBackClient | undefined

const client = (): PushBackClient => {
  if (current === undefined) throw new Error("PushBack.init() first")
  return current
}

/** The entry point; its methods act on the client the last `init` created. */
export const PushBack = {
  init: (options: PushBackOptions) => {
    current?.close()
    current = createClient(options)
    return current
  },
  get client() {
    return current
  },
  get store() {
    return client().store
  },
  get state() {
    return client().state
  },
  get transport() {
    return client().transport
  }
} as PushBackStatic

// Every method acts on the default client as it is.
for (const name of [
  "subscribe",
  "on",
  "markSeen",
  "markRead",
  "remove",
  "markAllSeen",
  "loadMore",
  "close"
] as const) {
  ;(PushBack as unknown as Record<string, unknown>)[name] = (...args: Array<never>) =>
    (client()[name] as (...a: Array<never>) => unknown)(...args)
}
