/**
 * Limits: the notify rate of an app (PROTOCOL.md §5: 1,000/s burst, then 429 with
 * Retry-After) and the concurrent long-polls of a user (`maxPollsPerUser`). On one node they
 * are counted here; on several nodes in Redis (cluster/redisLimits.ts), so the budget is the
 * cluster's, not each node's (§6).
 */
import { Context, Effect, Layer } from "effect"
import { Config } from "../../config/Config.js"
import type { Plain } from "../../http/plain.js"

/** The Limits interface. Never fails: without Redis a node counts for itself. */
export interface LimitsShape {
  /**
   * Takes one notify token of `app`; answers 0 when allowed, else seconds to wait. Plain (on
   * every notify's path): a promise only while a node asks Redis for tokens.
   */
  readonly takeNotify: (app: string) => Plain<number>
  /** Holds one long-poll slot of the user; false when all are taken. */
  readonly holdPoll: (app: string, user: string) => Effect.Effect<boolean>
  /** Gives a slot back (once per successful hold). */
  readonly releasePoll: (app: string, user: string) => void
}

/** The Limits service tag. */
export class Limits extends Context.Tag("@pushback/server/Limits")<Limits, LimitsShape>() {}

/** A token bucket refilled continuously at `perSecond`, holding at most `perSecond`. */
export const makeRateLimiter = (perSecond: number, now: () => number = Date.now) => {
  const buckets = new Map<string, { tokens: number; at: number }>()
  return (key: string): number => {
    const t = now()
    const bucket = buckets.get(key) ?? { tokens: perSecond, at: t }
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((t - bucket.at) / 1000) * perSecond)
    bucket.at = t
    buckets.set(key, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))
  }
}

/** Counts held per key, at most `max` each: the only per-user state, and only while held. */
export const makeSlots = (max: number) => {
  const held = new Map<string, number>()
  return {
    hold: (key: string): boolean => {
      const n = held.get(key) ?? 0
      if (n >= max) return false
      held.set(key, n + 1)
      return true
    },
    release: (key: string): void => {
      const n = (held.get(key) ?? 1) - 1
      if (n <= 0) held.delete(key)
      else held.set(key, n)
    }
  }
}

/** The key of one user of one app. */
export const userKey = (app: string, user: string): string => `${app}\u0000${user}`

/** This node's own limits, from the config. */
export const localLimits = (config: Config["Type"]) => {
  const take = makeRateLimiter(config.limits.notifyPerSecond)
  const slots = makeSlots(config.maxPollsPerUser)
  return {
    takeNotify: take,
    holdPoll: (app: string, user: string) => Effect.sync(() => slots.hold(userKey(app, user))),
    releasePoll: (app: string, user: string) => slots.release(userKey(app, user))
  } satisfies LimitsShape
}

/** One node's limits. */
export const layerInProcessLimits = Layer.effect(Limits, Effect.map(Config, localLimits))
