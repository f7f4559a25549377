import { cpSync, existsSync } from "node:fs"
import { defineConfig } from "tsup"

// The dashboard (apps/dashboard, built first: it is a devDependency) ships inside this package,
// served at /dashboard (src/http/dashboard.ts reads it from dist/dashboard).
const dashboard = new URL("../dashboard/dist", import.meta.url)

export default defineConfig({
  // The storage writer and its checkpointer run on worker threads: entries of their own, beside
  // the bundle (writer.ts, writerThread.ts).
  entry: {
    index: "src/index.ts",
    cli: "src/cli.ts",
    "writer-thread": "src/storage/sqlite/writerThread.ts",
    "checkpoint-thread": "src/storage/sqlite/checkpointThread.ts"
  },
  format: ["esm"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  target: "node20",
  // Effect and our protocol package are bundled, tree-shaken, into the chunks: importing "effect"
  // from node_modules loads its whole barrel, hundreds of files, on every start and every CLI
  // command (a node was ready in 2.2 s and spent 2.7 s of CPU on it; bundled, 1.1 s and 1.4 s).
  // They are not part of the package's API (index.d.ts exposes plain promises), so no caller's
  // own copy of Effect meets ours. What they pull in that is CommonJS (pg) calls `require`,
  // which an ES module does not have: the banner gives it one.
  noExternal: [/^effect$/, /^effect\//, /^@effect\//, "@pushback/protocol"],
  banner: {
    js: 'import { createRequire as __pushbackCreateRequire } from "node:module"; const require = __pushbackCreateRequire(import.meta.url);'
  },
  onSuccess: async () => {
    if (!existsSync(dashboard)) throw new Error("apps/dashboard is not built: run pnpm build at the root")
    cpSync(dashboard, new URL("./dist/dashboard", import.meta.url), { recursive: true })
  }
})
