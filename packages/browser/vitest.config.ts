import { defineProject } from "vitest/config"

export default defineProject({
  test: { name: "browser-sdk", include: ["test/**/*.test.ts"], environment: "node" }
})
