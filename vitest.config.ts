// One test run for the whole monorepo, its projects grouped by what a test costs:
//
//   unit       in-process, imports src/ (workspace packages from their sources too): no build,
//              no server process. `pnpm test:unit`, well under a minute.
//   process    suites that run the built code (apps/server/dist/cli.js as a process, the SDK
//              bundles, the examples): server (SQLite), server-pg (again on PostgreSQL, plus
//              what only PostgreSQL needs), node, react, e2e (Chromium). Their globalSetup
//              brings the builds up to date first (scripts/vitest/freshDist.mjs).
//              `pnpm test:process`.
//   slow       the packed install (npm install of the packed tarballs), the bench smoke runs,
//              the reliability suites at their CI counts, the setup script's pnpm choice.
//              `pnpm test:slow`.
//
// `pnpm test:run` (CI) runs every project: nothing is left out of CI.
import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"
import { LongFirst } from "./scripts/vitest/longFirst.mjs"
import { sourceAliases } from "./scripts/vitest/sources.mjs"

/**
 * Test files run at a time: twice the cores (at most 8), PUSHBACK_TEST_WORKERS to override.
 * Vitest's default is one less than the cores, one file at a time on the 2-core CI machine,
 * but a process test mostly waits (on its servers, sockets and timers), so two files per core
 * keep both cores busy (a fresh-clone CI run's tests, with other work on the machine: 1,437 s one
 * at a time, 364 s four at a time).
 */
const maxWorkers = Number(process.env["PUSHBACK_TEST_WORKERS"] ?? Math.min(8, 2 * availableParallelism()))

export default defineConfig({
  test: {
    maxWorkers,
    minWorkers: 1,
    // the few files that take minutes start first (scripts/vitest/longFirst.mjs says why)
    sequence: { sequencer: LongFirst },
    projects: [
      {
        resolve: { alias: sourceAliases },
        test: {
          name: "unit",
          include: [
            "apps/server/test/unit/**/*.test.ts",
            "apps/server/test/contract/*.sqlite.test.ts",
            "packages/protocol/test/**/*.test.ts",
            "packages/browser/test/**/*.test.ts",
            "packages/node/test/unit/**/*.test.ts"
          ],
          globalSetup: ["scripts/vitest/writerThread.mjs"],
          testTimeout: 30_000,
          hookTimeout: 60_000
        }
      },
      "apps/server/vitest.config.ts",
      "apps/server/vitest.pg.config.ts",
      "packages/node/vitest.config.ts",
      "packages/react/vitest.config.ts",
      "test/vitest.config.ts",
      {
        test: {
          name: "slow",
          include: [
            "apps/server/test/package/**/*.test.ts",
            "apps/server/test/reliability/**/*.test.ts",
            "bench/**/*.test.mjs",
            "scripts/**/*.test.mjs"
          ],
          exclude: ["**/node_modules/**"],
          globalSetup: ["scripts/vitest/freshDist.mjs"],
          // each long test names its own budget
          testTimeout: 30_000,
          hookTimeout: 60_000
        }
      }
    ],
    reporters: ["default"]
  }
})
