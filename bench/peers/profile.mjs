// Summarizes the CPU profiles that PUSHBACK_BENCH_PROFILE=DIR makes the peers bench write
// (`--cpu-prof` of every server process), cut to the per-user workload: DIR/w1.json holds its
// window on the monotonic clock, which is the profiles' clock too. Without the cut, a profile
// of a whole run mixes the notify path with 10,000 connections being set up.
//
// Prints the busy time's split by file and by function (self time), then by function including
// what it calls, with PushBack's own functions named by their source file and line (through
// dist's source maps). Samples are counted, not their time deltas: on a shared core a thread
// preempted inside a system call would otherwise have the whole wait booked to that call.
//
// Usage: PUSHBACK_BENCH_PROFILE=/tmp/prof node bench/peers/run.mjs --only pushback3 --rounds 1
//        node bench/peers/profile.mjs /tmp/prof [--top N] [--whole]
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { SourceMap } from "node:module"
import { join } from "node:path"
import { parseArgs } from "node:util"

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "30" }, whole: { type: "boolean", default: false } }
})
const dir = positionals[0]
if (!dir) throw new Error("usage: node bench/peers/profile.mjs DIR [--top N] [--whole]")
const top = Number(values.top)
const windowFile = join(dir, "w1.json")
const cut = !values.whole && existsSync(windowFile) ? JSON.parse(readFileSync(windowFile, "utf8")) : undefined

const maps = new Map()
/** `name source:line`, through the source map for PushBack's bundles. */
const nameOf = ({ functionName, url, lineNumber, columnNumber }) => {
  const name = functionName || "(anonymous)"
  if (url.includes("/apps/server/dist/")) {
    const file = `${url.replace("file://", "")}.map`
    if (!maps.has(file))
      maps.set(file, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, "utf8"))) : null)
    const at = maps.get(file)?.findEntry(lineNumber, columnNumber)
    if (at?.originalSource)
      return `${name} ${at.originalSource.replace(/.*src\//, "src/")}:${at.originalLine + 1}`
  }
  return `${name} ${url ? url.replace(/.*node_modules\//, "").replace(/^file:\/\/.*\//, "") : "(native)"}:${lineNumber + 1}`
}
const fileOf = (url) =>
  !url
    ? "(native)"
    : url.includes("/apps/server/dist/")
      ? "PushBack (apps/server/dist)"
      : url
          .replace(/.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "")
          .split("/")
          .slice(0, 2)
          .join("/")

const self = new Map()
const files = new Map()
const inclusive = new Map()
let busy = 0
const add = (map, key, n = 1) => map.set(key, (map.get(key) ?? 0) + n)
for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8"))
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const names = new Map()
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0
    if (cut && (at < cut.from || at > cut.to)) return
    const node = nodes.get(id)
    if (node.callFrame.functionName === "(idle)") return
    busy++
    const key = names.get(id) ?? names.set(id, nameOf(node.callFrame)).get(id)
    add(self, key)
    add(files, fileOf(node.callFrame.url))
    const seen = new Set()
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = names.get(cur) ?? names.set(cur, nameOf(nodes.get(cur).callFrame)).get(cur)
      if (!seen.has(k)) seen.add(k) && add(inclusive, k)
    }
  })
}
const show = (title, map) => {
  console.log(`\n${title}`)
  for (const [k, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * n) / busy).toFixed(1).padStart(6)}%  ${k}`)
}
console.log(`${busy} busy samples${cut ? " in the per-user workload" : " in the whole run"}`)
show("self, by file", files)
show("self, by function", self)
show("including callees, PushBack's own functions", new Map([...inclusive].filter(([k]) => / src\//.test(k))))
