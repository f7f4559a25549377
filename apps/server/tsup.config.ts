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
  onSuccess: async () => {
    if (!existsSync(dashboard)) throw new Error("apps/dashboard is not built: run pnpm build at the root")
    cpSync(dashboard, new URL("./dist/dashboard", import.meta.url), { recursive: true })
  }
})
