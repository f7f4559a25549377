// globalSetup of every project whose tests run the built code (apps/server/dist/cli.js spawned
// as a process, the SDK bundles, the examples): brings the builds up to date first, so a test
// never runs an old build after an edit of src/.
//
// It rebuilds rather than refusing a stale build, and it decides by content, not by time:
// - It hashes every built package's build inputs (turbo.json's `build.inputs`, the lockfile)
//   and its dist/ (paths, sizes, times), and compares them with the record it wrote after its
//   last build. Equal: nothing to do (a few milliseconds), whatever else changed (test files).
// - Otherwise it runs `turbo run build`, which rebuilds what changed and restores from its cache
//   only the files that differ (it writes nothing when dist is current, so a concurrent test
//   run is not disturbed), then records the new state.
// Modification times alone would misjudge: after a checkout or an edit undone, the sources are
// newer than a dist that is exactly their build, and turbo's cache hit leaves that dist as it
// is, so a refusal ("dist is older than src") would never go away. And turbo alone would
// rebuild everything after any edit under apps/server, tests included: the root package.json
// depends on @pushback/server (for the `pushback` bin), so turbo hashes all of its files into
// every task.
//
// Once per Vitest process, however many projects list it. PUSHBACK_SKIP_BUILD=1 skips it (to
// run the tests against the dist there is while src/ is being edited and does not build).
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { root } from "./sources.mjs"

const KEY = Symbol.for("pushback.freshDist")
const RECORD = join(root, "node_modules/.cache/pushback-dist.json")

/** Every file under `dir` (recursively), skipping node_modules. */
const walk = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.name === "node_modules" ? [] : e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]
      )
    : []

/** The files of `folder` that a turbo input glob names (`dir/**`, `name*.ext` or a file name). */
const matching = (folder, glob) => {
  if (glob.endsWith("/**")) return walk(join(folder, glob.slice(0, -3)))
  if (!glob.includes("*")) return existsSync(join(folder, glob)) ? [join(folder, glob)] : []
  const pattern = new RegExp(`^${glob.replace(/[.]/g, "\\.").replace(/\*/g, "[^/]*")}$`)
  return readdirSync(folder)
    .filter((name) => pattern.test(name))
    .map((name) => join(folder, name))
}

/** What the builds depend on and what they made, as one text per package. */
const snapshot = () => {
  const turbo = JSON.parse(readFileSync(join(root, "turbo.json"), "utf8"))
  const inputs = turbo.tasks.build.inputs
  const shared = ["turbo.json", "package.json", "pnpm-lock.yaml"].map((f) => join(root, f))
  const packages = ["packages", "apps", "examples"]
    .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
    .filter((folder) => existsSync(join(folder, "package.json")))
    .filter((folder) => JSON.parse(readFileSync(join(folder, "package.json"), "utf8")).scripts?.build)
  const state = {}
  for (const folder of packages) {
    const hash = createHash("sha256")
    for (const file of [...shared, ...inputs.flatMap((glob) => matching(folder, glob))].sort())
      hash.update(`${relative(root, file)}\0`).update(readFileSync(file))
    for (const file of walk(join(folder, "dist")).sort()) {
      const { size, mtimeMs } = statSync(file)
      hash.update(`${relative(root, file)} ${size} ${mtimeMs}\n`)
    }
    state[relative(root, folder)] = hash.digest("hex")
  }
  return state
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)

const ensureBuilt = () => {
  const started = Date.now()
  const recorded = existsSync(RECORD) ? JSON.parse(readFileSync(RECORD, "utf8")) : undefined
  if (same(recorded, snapshot())) return
  const turbo = join(root, "node_modules/.bin/turbo")
  const result = spawnSync(turbo, ["run", "build", "--output-logs=errors-only"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" }
  })
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`
  if (result.status !== 0) {
    throw new Error(
      `[dist] the build that the process tests run failed (turbo run build, exit ${result.status ?? result.error}):\n${output}`
    )
  }
  mkdirSync(dirname(RECORD), { recursive: true })
  writeFileSync(RECORD, JSON.stringify(snapshot()))
  const [, cached, total] = /Cached:\s+(\d+) cached, (\d+) total/.exec(output) ?? []
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  console.log(
    cached !== undefined && cached === total
      ? `[dist] up to date (turbo: all ${total} builds from its cache, ${seconds} s)`
      : `[dist] rebuilt what changed since the last build (turbo: ${cached} of ${total} cached, ${seconds} s)`
  )
}

const attempt = () => {
  try {
    ensureBuilt()
    return { error: undefined }
  } catch (error) {
    return { error }
  }
}

export default function setup() {
  if (process.env["PUSHBACK_SKIP_BUILD"] === "1") {
    console.log("[dist] not brought up to date (PUSHBACK_SKIP_BUILD=1): the tests run whatever dist holds")
    return
  }
  globalThis[KEY] ??= attempt()
  if (globalThis[KEY].error !== undefined) throw globalThis[KEY].error
}
