/**
 * Points the testkit of every test file of the PostgreSQL project at the run's cluster, so
 * `startServer()` gives each server a PostgreSQL database instead of a SQLite file.
 */
import { TEST_POSTGRES_ENV } from "@pushback/testkit"
import { inject } from "vitest"

process.env[TEST_POSTGRES_ENV] = inject("pushbackTestPostgres")
