/**
 * The background duties of a running node, each a timer that never keeps the process alive:
 * pruning old stream entries, idempotency keys and statistics buckets (retention); the app
 * watch (sessions of deleted apps or rotated secrets closed); filling a session's gaps, and,
 * with Redis, resuming every session after a reconnect and the periodic position check.
 */
import { type ManagedRuntime, Option } from "effect"
import type { RedisShape } from "../cluster/redis.js"
import type { ServerConfig } from "../config/Config.js"
import type { Metrics, MetricsShape } from "../stats/Metrics.js"
import type { Store, StoreShape } from "../storage/Store.js"
import { APP_WATCH_MS, checkApps } from "../stream/appWatch.js"
import { makeRepair, POSITION_CHECK_MS } from "../stream/repair.js"
import type { SessionsShape } from "../stream/Sessions.js"

/** How often retention runs (and once at start). */
const PRUNE_EVERY_MS = 10 * 60 * 1000

/** What the duties work with. */
export interface DutiesDeps {
  readonly runtime: ManagedRuntime.ManagedRuntime<Store | Metrics, never>
  readonly config: ServerConfig
  readonly store: StoreShape
  readonly sessions: SessionsShape
  readonly metrics: MetricsShape
  readonly redis: Option.Option<RedisShape>
}

/** Running duties: `stop` clears their timers. */
export interface Duties {
  readonly stop: () => void
}

/** Deletes what retention no longer keeps (PROTOCOL.md §5, §8); a failure is logged, not fatal. */
const pruner =
  ({ runtime, config, store }: DutiesDeps) =>
  () => {
    const now = Date.now()
    const before = new Date(now - config.limits.retentionDays * 86400_000).toISOString()
    const keysBefore = new Date(now - config.limits.idempotencyTtlSeconds * 1000).toISOString()
    const daysAgo = (days: number) => new Date(now - days * 86400_000).toISOString()
    const statsBefore = {
      minute: daysAgo(config.limits.statsMinuteDays),
      hour: daysAgo(config.limits.statsHourDays),
      day: daysAgo(config.limits.statsDayDays)
    }
    runtime
      .runPromise(store.prune(before, config.limits.retentionEntries, keysBefore, statsBefore))
      .catch((e: unknown) => {
        console.error(`[pushback] pruning failed: ${String(e)}`)
      })
  }

/** Starts every duty of a node that is listening. */
export const startDuties = (deps: DutiesDeps): Duties => {
  const { runtime, sessions, metrics, redis } = deps
  const prune = pruner(deps)
  prune()
  const every = (ms: number, duty: () => Promise<unknown>, what: string) =>
    setInterval(() => {
      duty().catch((e: unknown) => console.error(`[pushback] ${what} failed: ${String(e)}`))
    }, ms).unref()
  const repair = makeRepair(runtime, sessions, metrics)
  repair.fillGaps()
  const timers = [
    setInterval(prune, PRUNE_EVERY_MS).unref(),
    every(APP_WATCH_MS, () => runtime.runPromise(checkApps(sessions)), "the app watch")
  ]
  if (Option.isSome(redis)) {
    redis.value.onReconnect(() => {
      console.log("[pushback] Redis is back: bringing every session up to storage")
      repair
        .resumeAll()
        .catch((e: unknown) => console.error(`[pushback] resuming sessions failed: ${String(e)}`))
    })
    timers.push(every(POSITION_CHECK_MS, repair.checkPositions, "the position check"))
  }
  return {
    stop: () => {
      for (const timer of timers) clearInterval(timer)
    }
  }
}
