// End-to-end: the SDK bundles, the examples and the dashboard in a real Chromium against the
// built server, so the builds are brought up to date first (scripts/vitest/freshDist.mjs).
import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "e2e",
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    globalSetup: ["../scripts/vitest/freshDist.mjs"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
