/**
 * The node's two Redis connections (ioredis): one for commands (publish, presence, limits)
 * and one subscribed to the cluster's channels. Commands fail at once while Redis is
 * unreachable (no offline queue): storage is the truth, so a node keeps answering and every
 * caller falls back to what it knows; when the subscriber comes back, `onReconnect`
 * listeners resume what the outage may have lost (cluster/repair.ts).
 */
import { Context, Effect, Layer } from "effect"
import { Redis } from "ioredis"
import { StartupError } from "../config/StartupError.js"

/** Every key and channel of PushBack in Redis starts with this. */
export const PREFIX = "pushback:"

/** The Redis connections of one node. */
export interface RedisShape {
  /** For commands; rejects at once while disconnected. */
  readonly command: Redis
  /** Whether both connections are up (for `/readyz`). */
  readonly ready: () => boolean
  /** Subscribes `handler` to `channel` (resubscribed by ioredis after a reconnect). */
  readonly subscribe: (channel: string, handler: (message: string) => void) => Effect.Effect<void>
  /** Calls `listener` each time the subscriber is back after losing Redis. */
  readonly onReconnect: (listener: () => void) => void
}

/** The Redis service tag. */
export class RedisConnections extends Context.Tag("@pushback/server/RedisConnections")<
  RedisConnections,
  RedisShape
>() {}

/** How long a start waits for Redis before it fails, naming `--redis`. */
const CONNECT_TIMEOUT_MS = 5000

const connect = (url: string) =>
  new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Back within a second of Redis returning, whatever the outage lasted.
    retryStrategy: (times) => Math.min(100 * times, 1000)
  })

/** Redis at `url`, connected before the node starts; both connections closed with it. */
export const layerRedis = (url: string) =>
  Layer.scoped(
    RedisConnections,
    Effect.gen(function* () {
      const command = connect(url)
      const subscriber = connect(url)
      // ioredis reports each failed attempt as an error event; the state is what matters.
      const errors = new Map<Redis, string>()
      for (const r of [command, subscriber]) r.on("error", (e: Error) => errors.set(r, e.message))
      yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () =>
            Promise.race([
              Promise.all([command.connect(), subscriber.connect()]),
              new Promise((_, fail) =>
                setTimeout(() => fail(new Error("no answer")), CONNECT_TIMEOUT_MS).unref()
              )
            ]),
          catch: (e) =>
            new StartupError(
              `--redis ${url}: cannot reach Redis (${errors.get(command) ?? (e as Error).message}); start redis-server or fix the URL`
            )
        }),
        () => Effect.promise(() => Promise.allSettled([command.quit(), subscriber.quit()]))
      ).pipe(Effect.orDie)
      const handlers = new Map<string, (message: string) => void>()
      subscriber.on("message", (channel: string, message: string) => handlers.get(channel)?.(message))
      const listeners: Array<() => void> = []
      let lost = false
      subscriber.on("close", () => {
        lost = true
      })
      subscriber.on("ready", () => {
        if (!lost) return
        lost = false
        // Subscribed again before anyone resumes, so nothing published from now on is missed.
        subscriber.subscribe(...handlers.keys()).then(
          () => {
            for (const listener of listeners) listener()
          },
          () => undefined // lost again: the next "ready" resumes
        )
      })
      return {
        command,
        ready: () => command.status === "ready" && subscriber.status === "ready",
        subscribe: (channel, handler) =>
          Effect.promise(async () => {
            handlers.set(channel, handler)
            await subscriber.subscribe(channel)
          }),
        onReconnect: (listener) => {
          listeners.push(listener)
        }
      } satisfies RedisShape
    })
  )
