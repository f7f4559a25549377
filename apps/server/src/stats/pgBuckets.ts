/**
 * The statistics bump on PostgreSQL (statsBuckets.ts says what is counted and why in the same
 * transaction): one `@effect/sql` statement for the three grains, in the shard of the
 * connection it runs on (its backend pid), so concurrent transactions never wait on each other
 * for a bucket row. Its SQLite twin is sqliteBuckets.ts.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { bucketStart, countValues, GRAINS, type StatsCounts, UPSERT_TAIL } from "./statsBuckets.js"

/**
 * PostgreSQL: one statement adding `counts` to `app`'s three buckets holding `at`, in the
 * shard of the connection it runs on; run it inside the transaction of the change it counts.
 */
export const pgStatsBump = (sql: SqlClient.SqlClient, app: string, at: string, counts: StatsCounts) => {
  const [n, d, s, r, e, f, p, pf] = countValues(counts)
  return sql`INSERT INTO stats_buckets
      (app, grain, t, shard, notifications, delivered, seen, read_count, emails, emails_failed, pushes,
        pushes_failed)
    SELECT ${app}, g.grain, g.t, pg_backend_pid(), ${n}, ${d}, ${s}, ${r}, ${e}, ${f}, ${p}, ${pf}
    FROM unnest(${[...GRAINS]}::text[], ${GRAINS.map((g) => bucketStart(at, g))}::text[]) AS g(grain, t)
    ${sql.unsafe(UPSERT_TAIL)}`.pipe(Effect.asVoid)
}

/**
 * PostgreSQL: the statement adding many changes' counts at once (a batch of notify calls), each
 * `{app, at, counts}`, merged per bucket first (one upsert cannot touch a row twice). A fragment
 * to run as a data-modifying `WITH` part of the batch's statement, or alone.
 */
export const pgStatsBumpRows = (
  sql: SqlClient.SqlClient,
  changes: ReadonlyArray<{ readonly app: string; readonly at: string; readonly counts: StatsCounts }>
) => {
  const merged = new Map<string, { app: string; grain: string; t: string; values: Array<number> }>()
  for (const { app, at, counts } of changes) {
    const values = countValues(counts)
    for (const grain of GRAINS) {
      const t = bucketStart(at, grain)
      const key = `${app}\u0000${grain}\u0000${t}`
      const row = merged.get(key)
      if (row === undefined) merged.set(key, { app, grain, t, values: [...values] })
      else
        values.forEach((v, i) => {
          row.values[i]! += v
        })
    }
  }
  const rows = [...merged.values()]
  const column = (i: number) => rows.map((r) => r.values[i]!)
  return sql`INSERT INTO stats_buckets
      (app, grain, t, shard, notifications, delivered, seen, read_count, emails, emails_failed, pushes,
        pushes_failed)
    SELECT b.app, b.grain, b.t, pg_backend_pid(), b.n, b.d, b.s, b.r, b.e, b.f, b.p, b.pf
    FROM unnest(${rows.map((r) => r.app)}::text[], ${rows.map((r) => r.grain)}::text[],
      ${rows.map((r) => r.t)}::text[], ${column(0)}::int[], ${column(1)}::int[], ${column(2)}::int[],
      ${column(3)}::int[], ${column(4)}::int[], ${column(5)}::int[], ${column(6)}::int[], ${column(7)}::int[])
      AS b(app, grain, t, n, d, s, r, e, f, p, pf)
    ${sql.unsafe(UPSERT_TAIL)}`
}
