/**
 * The statistics bump on SQLite (statsBuckets.ts says what is counted and why in the same
 * transaction): one prepared `better-sqlite3` statement per writer, shard 0 (SQLite has one
 * writer), run synchronously inside the caller's transaction. Its PostgreSQL twin is pgBuckets.ts.
 */
import type { Database } from "better-sqlite3"
import { bucketStart, countValues, GRAINS, type StatsCounts, UPSERT_TAIL } from "./statsBuckets.js"

/** Adds `counts` to `app`'s buckets holding `at`, inside the caller's SQLite transaction. */
export type SqliteStatsBump = (app: string, at: string, counts: StatsCounts) => void

/** SQLite (one writer, shard 0): a prepared statement, run inside the caller's transaction. */
export const makeSqliteStatsBump = (db: Database): SqliteStatsBump => {
  const upsert = db.prepare(`INSERT INTO stats_buckets
      (app, grain, t, shard, notifications, delivered, seen, read_count, emails, emails_failed)
    VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?) ${UPSERT_TAIL}`)
  /** Adds `counts` to `app`'s buckets holding `at`. */
  return (app: string, at: string, counts: StatsCounts): void => {
    const v = countValues(counts)
    for (const grain of GRAINS) upsert.run(app, grain, bucketStart(at, grain), ...v)
  }
}
