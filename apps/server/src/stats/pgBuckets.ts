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
  const [n, d, s, r, e, f] = countValues(counts)
  return sql`INSERT INTO stats_buckets
      (app, grain, t, shard, notifications, delivered, seen, read_count, emails, emails_failed)
    SELECT ${app}, g.grain, g.t, pg_backend_pid(), ${n}, ${d}, ${s}, ${r}, ${e}, ${f}
    FROM unnest(${[...GRAINS]}::text[], ${GRAINS.map((g) => bucketStart(at, g))}::text[]) AS g(grain, t)
    ${sql.unsafe(UPSERT_TAIL)}`.pipe(Effect.asVoid)
}
