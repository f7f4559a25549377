// globalSetup of the `unit` project. The SQLite store runs its writer on a worker thread, and a
// worker needs JavaScript: the server's build has it as dist/writer-thread.js, which the unit
// tests must not depend on. So this bundles apps/server/src/storage/sqlite/writerThread.ts with
// tsup (the bundler of the build; well under a second), with the checkpointer thread it starts,, the workspace packages from their
// sources, into a folder of its own under apps/server/node_modules/.cache (where
// `better-sqlite3` resolves), and provides its URL: `inject("pushbackWriterThread")`.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { build } from "tsup"
import { esbuildSources, root } from "./sources.mjs"

/** @param {import("vitest/node").TestProject} project */
export default async function setup(project) {
  const cache = join(root, "apps/server/node_modules/.cache")
  mkdirSync(cache, { recursive: true })
  const outDir = mkdtempSync(join(cache, "unit-writer-"))
  await build({
    config: false,
    entry: {
      "writer-thread": join(root, "apps/server/src/storage/sqlite/writerThread.ts"),
      "checkpoint-thread": join(root, "apps/server/src/storage/sqlite/checkpointThread.ts")
    },
    outDir,
    format: ["esm"],
    platform: "node",
    target: "node20",
    bundle: true,
    splitting: false,
    sourcemap: "inline",
    dts: false,
    clean: false,
    silent: true,
    skipNodeModulesBundle: true,
    esbuildPlugins: [esbuildSources]
  })
  project.provide("pushbackWriterThread", pathToFileURL(join(outDir, "writer-thread.js")).href)
  return () => rmSync(outDir, { recursive: true, force: true })
}
