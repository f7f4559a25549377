/**
 * Which database a test server gets. By default a SQLite file in its data directory; when
 * `PUSHBACK_TEST_POSTGRES` names a running test cluster (the PostgreSQL Vitest project sets
 * it, see apps/server/test/pg/globalSetup.ts), a new PostgreSQL database of its own, its URL
 * kept in the data directory so a restart on that directory finds the same database. This one
 * switch is what runs every suite unchanged against both stores.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createDatabaseAt, TEST_POSTGRES_ENV } from "./postgres.js"

/** Whether servers started by this test process run on PostgreSQL. */
export const onPostgres = (): boolean => (process.env[TEST_POSTGRES_ENV] ?? "") !== ""

/** The `--db` URL of a test server with this data directory. */
export const testDatabaseUrl = async (dataDir: string): Promise<string> => {
  const cluster = process.env[TEST_POSTGRES_ENV]
  if (cluster === undefined || cluster === "") return `sqlite:${join(dataDir, "pushback.db")}`
  const kept = join(dataDir, "database-url")
  if (existsSync(kept)) return readFileSync(kept, "utf8").trim()
  const url = await createDatabaseAt(cluster)
  writeFileSync(kept, url)
  return url
}
