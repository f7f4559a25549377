/**
 * `user.online` and `user.offline` (PROTOCOL.md §15): cluster-wide, and only once a user has
 * stayed so for `webhooks.presenceDebounceMs` (5 s), so a page reload or a hop to another node
 * sends nothing. Each node watches its own hub: when a user's first session here opens or
 * their last one here closes, it looks again after the debounce, asks Presence (every node) whether
 * the user is online, and compares with the state last announced — kept in Redis with several
 * nodes (HSETNX / HDEL, so of two nodes looking at once one announces), in memory on one node.
 * A change is queued as an event for the subscribed endpoints (nothing is written when none is).
 * A node that dies never looks again at its users, so with several nodes every node also sweeps
 * the users announced online every `webhooks.presenceSweepMs` (at least the debounce): one that
 * no node holds at two sweeps in a row is looked at as above (once its dead node's sessions have
 * expired from Presence, within 30 s), and one node announces `user.offline`.
 */
import { type Context, Effect, Layer, Option, Runtime } from "effect"
import { lift } from "../http/plain.js"
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

/**
 * The sweep of the users announced online (Redis hashes, scanned 500 at a time): those no node
 * holds now and held none at the previous sweep are handed to `look`, which announces what changed.
 */
const makeSweep = (
  redis: RedisShape,
  presence: Context.Tag.Service<typeof Presence>,
  look: (app: string, user: string) => Effect.Effect<void>
) => {
  // Users offline at the last sweep, by app.
  const lastOffline = new Map<string, Set<string>>()
  const prefix = `${PREFIX}webhooks:online:`
  const scanKeys = async () => {
    const keys: Array<string> = []
    let cursor = "0"
    do {
      const [next, found] = await redis.command.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500)
      cursor = next
      keys.push(...found)
    } while (cursor !== "0")
    return keys
  }
  return Effect.gen(function* () {
    for (const key of yield* Effect.tryPromise(scanKeys)) {
      const app = key.slice(prefix.length)
      const before = lastOffline.get(app) ?? new Set<string>()
      const now = new Set<string>()
      let cursor = "0"
      do {
        const [next, fields] = yield* Effect.tryPromise(() => redis.command.hscan(key, cursor, "COUNT", 500))
        cursor = next
        const users = fields.filter((_, i) => i % 2 === 0)
        const online = yield* lift(() => presence.onlineOf(app, users))
        for (const user of users) if (!online.has(user)) now.add(user)
      } while (cursor !== "0")
      for (const user of now) if (before.has(user)) yield* look(app, user)
      lastOffline.set(app, now)
    }
  }).pipe(
    Effect.catchAllCause((cause) =>
      Effect.sync(() => console.error(`[pushback] the presence sweep failed: ${String(cause)}`))
    )
  )
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
    const sweep = Option.isSome(redis) ? makeSweep(redis.value, presence, look) : undefined
    const sweeping = sweep
      ? setInterval(() => run(sweep), Math.max((yield* Config).webhooks.presenceSweepMs, debounce)).unref()
      : undefined
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const timer of timers.values()) clearTimeout(timer)
        clearInterval(sweeping)
      })
    )
  })
)
