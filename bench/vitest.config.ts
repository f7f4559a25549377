// The bench's own test project: a smoke run of bench/peers (small N, one round, every
// contender) so the benchmark keeps working. It checks counts, never speed.
import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "bench",
    include: ["**/*.test.mjs"],
    exclude: ["node_modules/**"],
    testTimeout: 540_000,
    hookTimeout: 60_000
  }
})
