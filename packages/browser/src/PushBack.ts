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

/**
 * The entry point; every other property is the default client's, read when used (a Proxy: no
 * list of the client's members to keep in step, and fewer bytes in the core).
 */
export const PushBack = new Proxy(
  {
    init: (options: PushBackOptions) => {
      current?.close()
      current = createClient(options)
      return current
    },
    get client() {
      return current
    }
  },
  {
    // Symbols (an inspector's, a test runner's) are nobody's members: undefined, never a throw.
    get: (target, name) =>
      name in target
        ? Reflect.get(target, name)
        : typeof name === "string"
          ? Reflect.get(client(), name)
          : undefined
  }
) as PushBackStatic
