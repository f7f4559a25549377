// The server's process suites on SQLite: each test file spawns the built CLI (dist/cli.js),
// which the globalSetup brings up to date first (scripts/vitest/freshDist.mjs). The in-process
// tests (test/unit, the SQLite half of test/contract) are the root config's `unit` project;
// the packed install and the reliability suites its `slow` project; the PostgreSQL-only tests
// and the cluster's (PostgreSQL + Redis) the server-pg project (vitest.pg.config.ts).
import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "server",
    include: ["test/**/*.test.ts"],
    exclude: [
      "test/unit/**",
      "test/contract/**",
      "test/package/**",
      "test/reliability/**",
      "test/pg/**",
      "test/cluster/**"
    ],
    globalSetup: ["../../scripts/vitest/freshDist.mjs"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
