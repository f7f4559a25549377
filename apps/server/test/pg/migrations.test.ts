/**
 * Nodes started together on a new PostgreSQL database (the deploy recipe's three nodes, a
 * container orchestrator restarting them all) must migrate it once and all start: before, two
 * could both find no migrations table and both create it, and the loser exited at start.
 * The migrated schema keeps room for updates in place where rows are updated after insert.
 */
import { createDatabaseAt } from "@pushback/testkit"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { describe, expect, inject, it } from "vitest"
import { migrationSteps } from "../../src/storage/migrations/migrations.js"
import { layerPgStore } from "../../src/storage/postgres/pg.js"

describe("PostgreSQL migrations", () => {
  it("six nodes starting at once on a new database all start, and each step runs once", async () => {
    const url = await createDatabaseAt(inject("pushbackTestPostgres"))
    // Each node is its own store layer with its own pool, built at the same moment.
    const start = Effect.scoped(
      Layer.build(layerPgStore(url)).pipe(Effect.map((ctx) => typeof ctx.unsafeMap))
    )
    const started = await Effect.runPromise(
      Effect.all(
        Array.from({ length: 6 }, () => start),
        { concurrency: "unbounded" }
      )
    )
    expect(started).toHaveLength(6)
    const { rows, options } = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{
          migration_id: number
        }>`SELECT migration_id FROM pushback_migrations ORDER BY migration_id`
        const options = yield* sql<{ relname: string; reloptions: Array<string> | null }>`
          SELECT relname, reloptions FROM pg_class WHERE relname IN ('notifications', 'users')
            AND relkind = 'r' ORDER BY relname`
        return { rows, options }
      }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url) })), Effect.scoped)
    )
    expect(rows.map((r) => r.migration_id)).toEqual(
      Object.keys(migrationSteps).map((k) => Number(k.slice(0, 4)))
    )
    // Step 0013: the rows updated after they are written leave room on their pages (HOT updates).
    expect(options).toEqual([
      { relname: "notifications", reloptions: ["fillfactor=80"] },
      { relname: "users", reloptions: ["fillfactor=80"] }
    ])
  }, 60_000)
})
