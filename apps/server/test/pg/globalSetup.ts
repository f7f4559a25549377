/**
 * The PostgreSQL project's one PostgreSQL server (vitest.pg.config.ts): started once for the
 * whole run, every test server gets its own database on it (testkit database.ts), stopped and
 * removed at the end. A missing PostgreSQL fails the run, it is never skipped.
 */
// The testkit's PostgreSQL alone: its index registers Vitest hooks, which a globalSetup cannot load.
import { startPostgres } from "@pushback/testkit/postgres"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    /** `postgres://postgres@127.0.0.1:PORT` of the run's cluster. */
    pushbackTestPostgres: string
  }
}

export default async function setup(project: TestProject) {
  const pg = await startPostgres()
  project.provide("pushbackTestPostgres", pg.url)
  return async () => {
    await pg.stop()
  }
}
