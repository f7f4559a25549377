// The server's contract suites again, every server on PostgreSQL instead of SQLite (one
// PostgreSQL for the run, a database per server: test/pg/globalSetup.ts), plus the tests only
// PostgreSQL needs (test/pg: concurrency, idempotency races).
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
      "test/pg/*.test.ts",
      // several nodes: PostgreSQL + Redis, behind nginx
      "test/cluster/*.test.ts"
    ],
    globalSetup: ["test/pg/globalSetup.ts"],
    setupFiles: ["test/pg/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
