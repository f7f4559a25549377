/**
 * The embedded SQLite backend: one file, WAL mode, `synchronous=FULL` so a 2xx survives a
 * power cut. Migrates on start.
 */
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer } from "effect"
import type { Store } from "../Store.js"
import { runMigrations } from "./migrations.js"
import { layerSqlStore } from "./sql.js"

const prepared = Layer.effectDiscard(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`PRAGMA synchronous = FULL`
    yield* sql`PRAGMA busy_timeout = 5000`
    yield* runMigrations
  }).pipe(Effect.orDie)
)

/** Store on a SQLite file (created with its directory when missing). */
export const layerSqliteStore = (filename: string): Layer.Layer<Store> => {
  const client = Layer.unwrapEffect(
    Effect.sync(() => {
      if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true })
      return SqliteClient.layer({ filename })
    })
  ).pipe(Layer.orDie)
  return layerSqlStore.pipe(Layer.provide(prepared), Layer.provide(client))
}
