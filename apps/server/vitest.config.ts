import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "server",
    include: ["test/**/*.test.ts"],
    // PostgreSQL-only tests run in the server-pg project (vitest.pg.config.ts).
    exclude: ["test/pg/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
