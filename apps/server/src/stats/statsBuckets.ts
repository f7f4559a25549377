/**
 * The statistics buckets of PROTOCOL.md §8, as both stores write them: every change that is
 * counted (notifications stored, first deliveries, seen and read marks, emails sent and
 * failed) adds to its app's minute, hour and day bucket in the same transaction as the change,
 * so a count is never ahead of or behind what it counts, crash or not. Each writer adds to its
 * own `shard` of a bucket (SQLite's one writer: 0; on PostgreSQL the connection's backend pid,
 * which no two open connections share), so no transaction waits on another for a bucket row.
 */
import type { SqlClient } from "@effect/sql"
import type { Database } from "better-sqlite3"
import { Effect } from "effect"

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

const values = (c: StatsCounts) => [
  c.notifications ?? 0,
  c.delivered ?? 0,
  c.seen ?? 0,
  c.read ?? 0,
  c.emails ?? 0,
  c.emailsFailed ?? 0
]

const UPSERT_TAIL = `ON CONFLICT (app, grain, t, shard) DO UPDATE SET
  notifications = stats_buckets.notifications + excluded.notifications,
  delivered = stats_buckets.delivered + excluded.delivered,
  seen = stats_buckets.seen + excluded.seen,
  read_count = stats_buckets.read_count + excluded.read_count,
  emails = stats_buckets.emails + excluded.emails,
  emails_failed = stats_buckets.emails_failed + excluded.emails_failed`

/** Adds `counts` to `app`'s buckets holding `at`, inside the caller's SQLite transaction. */
export type SqliteStatsBump = (app: string, at: string, counts: StatsCounts) => void

/** SQLite (one writer, shard 0): a prepared statement, run inside the caller's transaction. */
export const makeSqliteStatsBump = (db: Database): SqliteStatsBump => {
  const upsert = db.prepare(`INSERT INTO stats_buckets
      (app, grain, t, shard, notifications, delivered, seen, read_count, emails, emails_failed)
    VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?) ${UPSERT_TAIL}`)
  /** Adds `counts` to `app`'s buckets holding `at`. */
  return (app: string, at: string, counts: StatsCounts): void => {
    const v = values(counts)
    for (const grain of GRAINS) upsert.run(app, grain, bucketStart(at, grain), ...v)
  }
}

/**
 * PostgreSQL: one statement adding `counts` to `app`'s three buckets holding `at`, in the
 * shard of the connection it runs on; run it inside the transaction of the change it counts.
 */
export const pgStatsBump = (sql: SqlClient.SqlClient, app: string, at: string, counts: StatsCounts) => {
  const [n, d, s, r, e, f] = values(counts)
  return sql`INSERT INTO stats_buckets
      (app, grain, t, shard, notifications, delivered, seen, read_count, emails, emails_failed)
    SELECT ${app}, g.grain, g.t, pg_backend_pid(), ${n}, ${d}, ${s}, ${r}, ${e}, ${f}
    FROM unnest(${[...GRAINS]}::text[], ${GRAINS.map((g) => bucketStart(at, g))}::text[]) AS g(grain, t)
    ${sql.unsafe(UPSERT_TAIL)}`.pipe(Effect.asVoid)
}
