/**
 * The Store contract (storeContract.ts) against the PostgreSQL backend: `layerPgStore` on a new
 * database of the run's PostgreSQL (test/pg/globalSetup.ts), in the server-pg project.
 */
import { createDatabaseAt } from "@pushback/testkit"
import { Effect, Layer } from "effect"
import { inject } from "vitest"
import { layerPgStore } from "../../src/storage/postgres/pg.js"
import { describeStoreContract } from "./storeContract.js"

describeStoreContract("PostgreSQL", () =>
  Layer.unwrapEffect(
    Effect.promise(() => createDatabaseAt(inject("pushbackTestPostgres"))).pipe(Effect.map(layerPgStore))
  )
)
