// The React bindings under jsdom against a real, built server (and @pushback/browser's build),
// so the builds are brought up to date first (scripts/vitest/freshDist.mjs).
import { defineProject } from "vitest/config"

export default defineProject({
  esbuild: { jsx: "automatic" },
  test: {
    name: "react",
    include: ["test/**/*.test.{ts,tsx}"],
    environment: "jsdom",
    // Node's module transform under jsdom too: the web transform rewrites the testkit's
    // `new URL(".", import.meta.url)` into an http: URL, and the tests talk to a real server.
    testTransformMode: { ssr: ["**/*"] },
    globalSetup: ["../../scripts/vitest/freshDist.mjs"],
    // A hook starts a real server: seconds on a busy machine (the default is 10 s).
    hookTimeout: 60_000
  }
})
