// The Node SDK against the real, built server (test/server: dist/cli.js spawned on port 0), so
// the builds are brought up to date first (scripts/vitest/freshDist.mjs). Its in-process tests
// (test/unit) are in the root config's `unit` project.
import { defineProject } from "vitest/config"

// Hooks start real servers: seconds on a busy machine (the default hook timeout is 10 s).
export default defineProject({
  test: {
    name: "node",
    include: ["test/server/**/*.test.ts"],
    globalSetup: ["../../scripts/vitest/freshDist.mjs"],
    hookTimeout: 60_000
  }
})
