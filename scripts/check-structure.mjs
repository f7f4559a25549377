#!/usr/bin/env node
// Structure checks that `pnpm lint` runs (issue 21): no import cycle in any app's or package's
// source (madge, type imports included), and no source file of an app or package over 300
// lines, so a concept stays a folder of small files rather than growing a hub. And no test code
// that runs a command synchronously: a Vitest worker blocked past 60 s (a few spawnSync calls in
// a row on a loaded machine) fails the whole run with `Timeout calling "onTaskUpdate"` though
// every test passed; tests await scripts/vitest/command.mjs instead.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import madge from "madge"

const root = new URL("..", import.meta.url).pathname
const MAX_LINES = 300
const problems = []

const sources = ["apps", "packages"].flatMap((group) =>
  readdirSync(join(root, group))
    .map((name) => join(root, group, name, "src"))
    .filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory())
)
for (const dir of sources) {
  const graph = await madge(dir, {
    fileExtensions: ["ts", "tsx"],
    detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } }
  })
  for (const cycle of graph.circular()) {
    problems.push(`import cycle in ${relative(root, dir)}: ${cycle.join(" > ")} > ${cycle[0]}`)
  }
}

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []
  )
for (const file of sources.flatMap(walk)) {
  const lines = readFileSync(file, "utf8").split("\n").length - 1
  if (lines > MAX_LINES)
    problems.push(`${relative(root, file)} has ${lines} lines (at most ${MAX_LINES}): split it by concept`)
}

const SYNC_COMMAND = /\b(spawnSync|execFileSync|execSync)\b/
const tests = [
  ...["apps", "packages"].flatMap((group) =>
    readdirSync(join(root, group)).map((name) => join(root, group, name, "test"))
  ),
  join(root, "test"),
  join(root, "bench"),
  join(root, "scripts")
].filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory())
const walkTests = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === "node_modules"
      ? []
      : e.isDirectory()
        ? walkTests(join(dir, e.name))
        : /\.(tsx?|mjs)$/.test(e.name) &&
            (!/^(bench|scripts)$/.test(relative(root, dir).split("/")[0]) || /\.test\.mjs$/.test(e.name))
          ? [join(dir, e.name)]
          : []
  )
for (const file of tests.flatMap(walkTests)) {
  const found = SYNC_COMMAND.exec(readFileSync(file, "utf8"))
  if (found)
    problems.push(
      `${relative(root, file)} uses ${found[1]}: await command()/commandOk() from scripts/vitest/command.mjs`
    )
}

if (problems.length > 0) {
  for (const p of problems) console.error(`[structure] ${p}`)
  process.exit(1)
}
console.log(
  `[structure] ${sources.length} source trees without import cycles; source files at most ${MAX_LINES} lines; no test runs a command synchronously`
)
