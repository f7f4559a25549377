import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "server",
    include: ["test/**/*.test.ts"],
    // PostgreSQL-only tests, and the cluster's (PostgreSQL + Redis), run in the server-pg
    // project (vitest.pg.config.ts).
    exclude: ["test/pg/**", "test/cluster/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
