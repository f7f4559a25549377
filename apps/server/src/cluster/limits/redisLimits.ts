/**
 * Limits counted in Redis, so that the notify rate of an app and the long-polls of a user
 * are the cluster's budget (PROTOCOL.md §6). The bucket is refilled inside one Lua script on
 * Redis's clock, so nodes with drifting clocks still share one budget. While Redis is
 * unreachable each node falls back to its own count: limits loosen, nothing stops. The calls
 * of one turn of the event loop take their tokens together, one script call per app, and take
 * a few more for the calls that follow (a lease): a node asks Redis about once per lease, not
 * once per turn (issue 22: on three nodes sharing a core, that script was a sixth of the time).
 */
import { Effect, Layer } from "effect"
import { runPlain } from "../../http/plain.js"
import { Config } from "../../config/Config.js"
import { Limits, type LimitsShape, localLimits } from "./Limits.js"
import { PREFIX, RedisConnections } from "../redis.js"
import { perTurnCounter } from "../../batching/perTurn.js"

/**
 * KEYS[1] the bucket; ARGV[1] tokens per second, ARGV[2] tokens wanted (the takes of one turn).
 * Answers {taken, wait}: how many got a token, and the seconds the others are to wait.
 */
const TAKE_TOKENS = `
local rate = tonumber(ARGV[1])
local wanted = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or rate
local at = tonumber(b[2]) or now
tokens = math.min(rate, tokens + (now - at) / 1000 * rate)
local taken = math.min(wanted, math.floor(tokens))
tokens = tokens - taken
local wait = 0
if taken < wanted then wait = math.max(1, math.ceil((1 - tokens) / rate)) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], 60000)
return {taken, wait}`

/** KEYS[1] the user's count; ARGV[1] the cap, ARGV[2] a lifetime in ms (a dead node's polls end). */
const HOLD_SLOT = `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if n > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) return 0 end
return 1`

/**
 * A lease: what the budget refills in 20 ms (20 tokens at the default 1,000/s, none below 50/s,
 * where every call asks Redis). Tokens leased are taken from the cluster's bucket, so the nodes
 * together never admit more than it holds; a lease unused for 250 ms is dropped, so a node admits
 * at most one lease beyond a bucket that refilled meanwhile, and leaves at most one unused.
 */
const LEASE_SECONDS = 0.02
const LEASE_LIFETIME_MS = 250

/** Limits in Redis, falling back to this node's. */
export const layerRedisLimits = Layer.effect(
  Limits,
  Effect.gen(function* () {
    const config = yield* Config
    const { command } = yield* RedisConnections
    // Sent once, then called by its SHA (EVALSHA), as ioredis's defined commands do.
    command.defineCommand("pushbackTakeTokens", { numberOfKeys: 1, lua: TAKE_TOKENS })
    command.defineCommand("pushbackHoldSlot", { numberOfKeys: 1, lua: HOLD_SLOT })
    const scripts = command as unknown as {
      pushbackTakeTokens: (key: string, rate: number, wanted: number) => Promise<[number, number]>
      pushbackHoldSlot: (key: string, max: number, lifetime: number) => Promise<unknown>
    }
    const local = localLimits(config)
    const rate = config.limits.notifyPerSecond
    // A poll lasts at most the longest wait; its slot outlives it only if its node dies.
    const slotLifetime = (config.limits.maxPollWaitSeconds + 30) * 1000
    const pollKey = (app: string, user: string) => `${PREFIX}polls:${app}:${user}`
    /** Slots this node took in Redis (released there), apart from those it took locally. */
    const inRedis = new Map<string, number>()
    const leaseSize = Math.floor(rate * LEASE_SECONDS)
    /** Tokens this node took from Redis and has not used yet, by app. */
    const leases = new Map<string, { tokens: number; until: number }>()
    /** The notify calls of one turn take their tokens, and a new lease, in one script call per app. */
    const takeThisTurn = perTurnCounter((counts) =>
      Effect.tryPromise(async () => {
        const answers = new Map<string, Array<number>>()
        await Promise.all(
          [...counts].map(async ([app, wanted]) => {
            const [got, wait] = await scripts.pushbackTakeTokens(
              `${PREFIX}rate:${app}`,
              rate,
              wanted + leaseSize
            )
            const taken = Number(got)
            if (taken > wanted) {
              const now = Date.now()
              const held = leases.get(app)
              const left = held !== undefined && held.until >= now ? held.tokens : 0
              leases.set(app, { tokens: left + taken - wanted, until: now + LEASE_LIFETIME_MS })
            }
            answers.set(
              app,
              Array.from({ length: wanted }, (_, i) => (i < taken ? 0 : Number(wait)))
            )
          })
        )
        return answers
      })
    )
    /** A token of this node's lease for `app`, if it has one left. */
    const fromLease = (app: string): boolean => {
      const lease = leases.get(app)
      if (lease === undefined) return false
      if (lease.until < Date.now()) {
        leases.delete(app)
        return false
      }
      if (--lease.tokens === 0) leases.delete(app)
      return true
    }
    return {
      takeNotify: (app) =>
        fromLease(app)
          ? 0
          : runPlain(takeThisTurn(app).pipe(Effect.orElse(() => Effect.sync(() => local.takeNotify(app))))),
      holdPoll: (app, user) =>
        Effect.tryPromise(() =>
          scripts.pushbackHoldSlot(pollKey(app, user), config.maxPollsPerUser, slotLifetime)
        ).pipe(
          Effect.map((held) => {
            if (Number(held) !== 1) return false
            const key = pollKey(app, user)
            inRedis.set(key, (inRedis.get(key) ?? 0) + 1)
            return true
          }),
          Effect.orElse(() => local.holdPoll(app, user))
        ),
      releasePoll: (app, user) => {
        const key = pollKey(app, user)
        const n = inRedis.get(key) ?? 0
        if (n === 0) return local.releasePoll(app, user)
        if (n === 1) inRedis.delete(key)
        else inRedis.set(key, n - 1)
        command.decr(key).catch(() => undefined) // lost with Redis: the count expires
      }
    } satisfies LimitsShape
  })
)
