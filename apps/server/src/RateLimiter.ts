/**
 * RateLimiter: a token bucket per app for notify calls (PROTOCOL.md §5: 1,000/s burst,
 * then 429 with Retry-After). Per node; several nodes share the budget loosely.
 */
import { Context, Effect, Layer } from "effect"
import { Config } from "./Config.js"

/** The RateLimiter interface. */
export interface RateLimiterShape {
  /** Takes one token for `key`; answers 0 when allowed, else seconds to wait. */
  readonly take: (key: string) => number
}

/** The RateLimiter service tag. */
export class RateLimiter extends Context.Tag("@pushback/server/RateLimiter")<
  RateLimiter,
  RateLimiterShape
>() {}

/** A token bucket refilled continuously at `perSecond`, holding at most `perSecond`. */
export const makeRateLimiter = (perSecond: number, now: () => number = Date.now): RateLimiterShape => {
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    take: (key) => {
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
}

/** The RateLimiter layer, sized from the config's `notifyPerSecond`. */
export const layerRateLimiter = Layer.effect(
  RateLimiter,
  Effect.map(Config, (config) => makeRateLimiter(config.limits.notifyPerSecond))
)
