/**
 * The statistics bump on SQLite (statsBuckets.ts says what is counted and why in the same
 * transaction): one prepared `better-sqlite3` statement per writer, shard 0 (SQLite has one
 * writer), run synchronously inside the caller's transaction. Its PostgreSQL twin is pgBuckets.ts.
 */
import type { Database } from "better-sqlite3"
import { bucketStart, countValues, GRAINS, type StatsCounts, UPSERT_TAIL } from "./statsBuckets.js"

/**
 * Adds `counts` to `app`'s buckets holding `at`, inside the caller's SQLite transaction; inside
 * `deferred(run)` the additions are summed per bucket and written once, when `run` returns.
 */
export type SqliteStatsBump = ((app: string, at: string, counts: StatsCounts) => void) & {
  /**
   * Runs `run` (inside a transaction) with the bumps it makes summed per bucket and written
   * when it returns — one upsert per bucket for a whole group commit instead of three per call;
   * dropped if it throws (the transaction rolls back with them).
   */
  readonly deferred: <A>(run: () => A) => A
}

const bumps = new WeakMap<Database, SqliteStatsBump>()

/** SQLite (one writer, shard 0): prepared statements, run inside the caller's transaction; one per connection. */
export const makeSqliteStatsBump = (db: Database): SqliteStatsBump => {
  const known = bumps.get(db)
  if (known !== undefined) return known
  const upsert = db.prepare(`INSERT INTO stats_buckets
      (app, grain, t, shard, notifications, delivered, seen, read_count, emails, emails_failed,
        pushes, pushes_failed)
    VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?) ${UPSERT_TAIL}`)
  let depth = 0
  const pending = new Map<string, { app: string; grain: string; t: string; values: Array<number> }>()
  const bump = (app: string, at: string, counts: StatsCounts): void => {
    const v = countValues(counts)
    for (const grain of GRAINS) {
      const t = bucketStart(at, grain)
      if (depth === 0) {
        upsert.run(app, grain, t, ...v)
        continue
      }
      const key = `${app}\u0000${grain}\u0000${t}`
      const row = pending.get(key)
      if (row === undefined) pending.set(key, { app, grain, t, values: [...v] })
      else
        v.forEach((n, i) => {
          row.values[i]! += n
        })
    }
  }
  const deferred = <A>(run: () => A): A => {
    depth++
    try {
      const value = run()
      if (depth === 1) for (const r of pending.values()) upsert.run(r.app, r.grain, r.t, ...r.values)
      return value
    } finally {
      depth--
      if (depth === 0) pending.clear()
    }
  }
  const made = Object.assign(bump, { deferred })
  bumps.set(db, made)
  return made
}
