import { defineProject } from "vitest/config"

// Hooks start real servers: seconds on a busy machine (the default hook timeout is 10 s).
export default defineProject({ test: { name: "node", include: ["test/**/*.test.ts"], hookTimeout: 60_000 } })
