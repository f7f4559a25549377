// One test run for the whole monorepo: each package or app with tests is a project.
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: [
      "packages/*/vitest.config.ts",
      "apps/*/vitest.config.ts",
      // the server's suites again on PostgreSQL
      "apps/server/vitest.pg.config.ts",
      "test/vitest.config.ts",
      "bench/vitest.config.ts"
    ],
    reporters: process.env.CI ? ["default"] : ["default"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
