/**
 * The storage port of statistics: an app's totals and its bucketed series (PROTOCOL.md §8).
 * Part of the Store (storage/Store.ts).
 */
import type { Effect } from "effect"
import type { Grain } from "./statsBuckets.js"

/** App-wide counters for `/v1/stats` (the live ones come from the sessions hub). */
export interface StoredStats {
  readonly users: number
  readonly notifications: number
  readonly delivered: number
  readonly seen: number
  readonly read: number
}

/** One statistics bucket of an app (PROTOCOL.md §8): what happened from `t` on, every shard summed. */
export interface StatsRow {
  readonly t: string
  readonly notifications: number
  readonly delivered: number
  readonly seen: number
  readonly read: number
  readonly emails: number
  readonly emailsFailed: number
  readonly pushes: number
  readonly pushesFailed: number
}

/** An app's statistics, as stored. */
export interface StatsStore {
  readonly stats: (app: string) => Effect.Effect<StoredStats>
  /** The app's non-empty `grain` buckets starting from `from` to `to` (both included), by time. */
  readonly series: (
    app: string,
    grain: Grain,
    from: string,
    to: string
  ) => Effect.Effect<ReadonlyArray<StatsRow>>
}
