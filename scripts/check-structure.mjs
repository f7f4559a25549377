#!/usr/bin/env node
// Structure checks that `pnpm lint` runs (issue 21): no import cycle in any app's or package's
// source (madge, type imports included), and no source file of an app or package over 300
// lines, so a concept stays a folder of small files rather than growing a hub.
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

if (problems.length > 0) {
  for (const p of problems) console.error(`[structure] ${p}`)
  process.exit(1)
}
console.log(
  `[structure] ${sources.length} source trees without import cycles; source files at most ${MAX_LINES} lines`
)
