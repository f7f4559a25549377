/**
 * The statistics buckets of PROTOCOL.md §8, as both stores write them: every change that is
 * counted (notifications stored, first deliveries, seen and read marks, emails sent and
 * failed) adds to its app's minute, hour and day bucket in the same transaction as the change,
 * so a count is never ahead of or behind what it counts, crash or not. Each writer adds to its
 * own `shard` of a bucket (SQLite's one writer: 0; on PostgreSQL the connection's backend pid,
 * which no two open connections share), so no transaction waits on another for a bucket row.
 * This file is the portable part (grains, bucket starts, counts, the upsert's merge); each
 * store's bump sits beside it: sqliteBuckets.ts (better-sqlite3) and pgBuckets.ts (@effect/sql).
 */

/** A bucket size. */
export type Grain = "minute" | "hour" | "day"

/** Every grain, finest first: each change is counted in all three. */
export const GRAINS: ReadonlyArray<Grain> = ["minute", "hour", "day"]

/** The start of the `grain` bucket holding `iso` (an ISO-8601 UTC time as toISOString writes it). */
export const bucketStart = (iso: string, grain: Grain): string =>
  grain === "minute"
    ? `${iso.slice(0, 16)}:00.000Z`
    : grain === "hour"
      ? `${iso.slice(0, 13)}:00:00.000Z`
      : `${iso.slice(0, 10)}T00:00:00.000Z`

/** What one change adds to a bucket (absent counters add 0). */
export interface StatsCounts {
  readonly notifications?: number
  readonly delivered?: number
  readonly seen?: number
  readonly read?: number
  readonly emails?: number
  readonly emailsFailed?: number
  readonly pushes?: number
  readonly pushesFailed?: number
}

/** Counts changes by app and minute bucket: one bump per bucket, not one per change. */
export const countByMinute = (
  changes: Iterable<{ readonly app: string; readonly at: string }>
): Array<{ app: string; at: string; n: number }> => {
  const counts = new Map<string, { app: string; at: string; n: number }>()
  for (const change of changes) {
    const at = bucketStart(change.at, "minute")
    const key = `${change.app}\u0000${at}`
    const c = counts.get(key)
    if (c === undefined) counts.set(key, { app: change.app, at, n: 1 })
    else c.n++
  }
  return [...counts.values()]
}

/** A change's counts in the column order of `stats_buckets` (notifications … pushes_failed). */
export const countValues = (c: StatsCounts): Array<number> => [
  c.notifications ?? 0,
  c.delivered ?? 0,
  c.seen ?? 0,
  c.read ?? 0,
  c.emails ?? 0,
  c.emailsFailed ?? 0,
  c.pushes ?? 0,
  c.pushesFailed ?? 0
]

/** The upsert's conflict clause both stores use: a bump adds to the shard's existing row. */
export const UPSERT_TAIL = `ON CONFLICT (app, grain, t, shard) DO UPDATE SET
  notifications = stats_buckets.notifications + excluded.notifications,
  delivered = stats_buckets.delivered + excluded.delivered,
  seen = stats_buckets.seen + excluded.seen,
  read_count = stats_buckets.read_count + excluded.read_count,
  emails = stats_buckets.emails + excluded.emails,
  emails_failed = stats_buckets.emails_failed + excluded.emails_failed,
  pushes = stats_buckets.pushes + excluded.pushes,
  pushes_failed = stats_buckets.pushes_failed + excluded.pushes_failed`
