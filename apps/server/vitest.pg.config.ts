// The server's contract suites again, every server on PostgreSQL instead of SQLite (one
// PostgreSQL for the run, a database per server: test/pg/globalSetup.ts), plus the tests only
// PostgreSQL needs (test/pg: concurrency, idempotency races) and the PostgreSQL half of the
// in-process Store contract (test/contract; its SQLite half is in the root's `unit` project).
// Process suites: the builds are brought up to date first (scripts/vitest/freshDist.mjs).
import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "server-pg",
    include: [
      "test/http/*.test.ts",
      "test/transports/*.test.ts",
      "test/ws/*.test.ts",
      "test/durability/kill9.test.ts",
      "test/compat/*.test.ts",
      "test/email/*.test.ts",
      "test/topics/*.test.ts",
      "test/conversations/*.test.ts",
      "test/webhooks/*.test.ts",
      "test/push/*.test.ts",
      "test/pg/*.test.ts",
      "test/contract/*.pg.test.ts",
      // several nodes: PostgreSQL + Redis, behind nginx
      "test/cluster/*.test.ts"
    ],
    globalSetup: ["../../scripts/vitest/freshDist.mjs", "test/pg/globalSetup.ts"],
    setupFiles: ["test/pg/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
