/**
 * `user.online` and `user.offline` (PROTOCOL.md §15): cluster-wide, and only once a user has
 * stayed so for `webhooks.presenceDebounceMs` (5 s), so a page reload or a hop to another node
 * sends nothing. Each node watches its own hub: when a user's first session here opens or
 * their last one here closes, it looks again after the debounce, asks Presence (every node) whether
 * the user is online, and compares with the state last announced — kept in Redis with several
 * nodes (HSETNX / HDEL, so of two nodes looking at once one announces), in memory on one node.
 * A change is queued as an event for the subscribed endpoints (nothing is written when none is).
 */
import { Effect, Layer, Option, Runtime } from "effect"
import { Presence } from "../cluster/presence/Presence.js"
import { PREFIX, RedisConnections, type RedisShape } from "../cluster/redis.js"
import { Config } from "../config/Config.js"
import { Outbox } from "../outbox/Outbox.js"
import { Sessions } from "../stream/Sessions.js"
import { webhookEvent } from "./events.js"
import { WebhookStore } from "./WebhookStore.js"

/** Records that `user` of `app` is now announced online (or offline); answers whether that changed it. */
type Announce = (app: string, user: string, online: boolean) => Promise<boolean>

/** The last announced state in this process (one node). */
const inMemory = (): Announce => {
  const online = new Set<string>()
  return async (app, user, now) => {
    const key = `${app}\u0000${user}`
    if (now === online.has(key)) return false
    if (now) online.add(key)
    else online.delete(key)
    return true
  }
}

/** The last announced state in Redis, shared by every node: one of several nodes wins each change. */
const inRedis =
  (redis: RedisShape): Announce =>
  async (app, user, now) => {
    const key = `${PREFIX}webhooks:online:${app}`
    const changed = now ? await redis.command.hsetnx(key, user, "1") : await redis.command.hdel(key, user)
    return changed === 1
  }

/** Watches the hub and queues presence events; runs until the node stops. */
export const layerPresenceEvents = Layer.scopedDiscard(
  Effect.gen(function* () {
    const sessions = yield* Sessions
    const presence = yield* Presence
    const store = yield* WebhookStore
    const outbox = yield* Outbox
    const debounce = (yield* Config).webhooks.presenceDebounceMs
    const redis = yield* Effect.serviceOption(RedisConnections)
    const announce = Option.isSome(redis) ? inRedis(redis.value) : inMemory()
    const run = Runtime.runFork(yield* Effect.runtime<never>())
    const timers = new Map<string, NodeJS.Timeout>()

    const look = (app: string, user: string) =>
      Effect.gen(function* () {
        const online = (yield* presence.sessionsOf(app, user)) > 0
        if (!(yield* Effect.promise(() => announce(app, user, online)))) return
        const type = online ? "user.online" : "user.offline"
        const queued = yield* store.publish(app, [webhookEvent(app, type, { user })])
        if (queued > 0) outbox.wake()
      }).pipe(
        Effect.catchAllCause((cause) =>
          Effect.sync(() => console.error(`[pushback] a presence webhook failed: ${String(cause)}`))
        )
      )

    sessions.onChange((session, joined) => {
      const { app, user } = session
      const here = sessions.sessionsOf(app, user)
      // Only a user's first session on this node opening, or their last one closing.
      if (joined ? here !== 1 : here !== 0) return
      const key = `${app}\u0000${user}`
      clearTimeout(timers.get(key))
      const timer = setTimeout(() => {
        timers.delete(key)
        run(look(app, user))
      }, debounce)
      timer.unref()
      timers.set(key, timer)
    })
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const timer of timers.values()) clearTimeout(timer)
      })
    )
  })
)
