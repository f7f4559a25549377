#!/usr/bin/env node
// How long a notify to a big topic takes (issue 23: "a topic may hold every user of the app"):
// PushBack on SQLite and on PostgreSQL (one node each, pinned as in run.mjs), a topic of
// SUBSCRIBERS users (none connected: the cost is storing one notification per subscriber),
// CALLS notify calls to it one after another: ms until the 202 (every notification stored), the
// server's CPU per call, and per stored notification. Prints a table, writes the JSON record
// and an SVG chart. Bounded in count and time.
// Usage: node bench/peers/topics.mjs [--subscribers 100000] [--calls 3] [--only pushback,pushbackPg]
//        [--json FILE] [--svg FILE]   (after `pnpm build`)
import { mkdtempSync, rmSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { CONTENDERS } from "./contenders.mjs"
import { makeHttp } from "./load.mjs"
import { cpuMicros, killAll } from "./proc.mjs"
import { writeJson, writeText } from "./report.mjs"

const { values: args } = parseArgs({
  options: {
    subscribers: { type: "string", default: "100000" },
    calls: { type: "string", default: "3" },
    only: { type: "string", default: "pushback,pushbackPg" },
    json: { type: "string" },
    svg: { type: "string" }
  }
})
const SUBSCRIBERS = Number(args.subscribers)
const CALLS = Number(args.calls)
const contenders = CONTENDERS.filter((c) => args.only.split(",").includes(c.name))
const log = (msg) => console.error(`[topics] ${msg}`)
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** A JSON call to the contender's first node with its app secret; throws unless 2xx. */
const api = async (inst, method, path, body) => {
  const spec = inst.unicast("x", {})
  const res = await fetch(`http://127.0.0.1:${spec.port}${path}`, {
    method,
    headers: { ...spec.headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`)
  return JSON.parse(text)
}

const measure = async (contender, http) => {
  const dir = mkdtempSync(join(tmpdir(), `topics-${contender.name}-`))
  let inst
  try {
    inst = await contender.start(dir, http)
    await api(inst, "PUT", "/v1/topics/everyone", { name: "Everyone" })
    const t0 = performance.now()
    for (let i = 0; i < SUBSCRIBERS; i += 10_000) {
      const users = Array.from({ length: Math.min(10_000, SUBSCRIBERS - i) }, (_, k) => `u${i + k}`)
      await api(inst, "POST", "/v1/topics/everyone/subscribers", { users })
    }
    log(`  ${SUBSCRIBERS} subscribed in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    const calls = []
    for (let c = 0; c < CALLS; c++) {
      const cpu0 = inst.pids.reduce((s, pid) => s + cpuMicros(pid), 0)
      const started = performance.now()
      const answer = await api(inst, "POST", "/v1/notify", { topics: ["everyone"], content: { c } })
      const ms = performance.now() - started
      const cpu = inst.pids.reduce((s, pid) => s + cpuMicros(pid), 0) - cpu0
      if (answer.recipients !== SUBSCRIBERS)
        throw new Error(`${answer.recipients} recipients, not ${SUBSCRIBERS}`)
      log(`  call ${c + 1}: ${ms.toFixed(0)} ms, CPU ${(cpu / 1000).toFixed(0)} ms`)
      calls.push({ ms, cpuMs: cpu / 1000 })
    }
    return calls
  } finally {
    await inst?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const main = async () => {
  const deadline = setTimeout(() => {
    log("deadline of 20 min passed; stopping everything")
    killAll()
    process.exit(2)
  }, 20 * 60_000)
  deadline.unref()
  const http = makeHttp()
  const results = {}
  try {
    for (const c of contenders) {
      log(c.label)
      results[c.name] = await measure(c, http)
    }
  } finally {
    http.close()
  }
  const n = SUBSCRIBERS.toLocaleString("en-US")
  const summary = Object.fromEntries(
    contenders.map((c) => {
      const ms = median(results[c.name].map((x) => x.ms))
      const cpuMs = median(results[c.name].map((x) => x.cpuMs))
      return [c.name, { ms, cpuMs, usPerNotification: (cpuMs * 1000) / SUBSCRIBERS }]
    })
  )
  const caption = `PushBack: one notify to a topic of ${n} subscribers (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version}; medians of ${CALLS} calls)`
  const rows = [
    `| measure | ${contenders.map((c) => c.short ?? c.label).join(" | ")} |`,
    `| --- | ${contenders.map(() => "---").join(" | ")} |`,
    `| notify → 202 (all ${n} stored) | ${contenders.map((c) => `${Math.round(summary[c.name].ms).toLocaleString("en-US")} ms`).join(" | ")} |`,
    `| server CPU for the call | ${contenders.map((c) => `${Math.round(summary[c.name].cpuMs).toLocaleString("en-US")} ms`).join(" | ")} |`,
    `| … per notification stored | ${contenders.map((c) => `${summary[c.name].usPerNotification.toFixed(1)} µs`).join(" | ")} |`
  ]
  console.log(`\n${caption}\n\n${rows.join("\n")}`)
  if (args.json) writeJson(args.json, { params: { SUBSCRIBERS, CALLS }, summary, calls: results }, log)
  if (args.svg) {
    const max = Math.max(...contenders.map((c) => summary[c.name].ms))
    const bars = contenders.map((c, i) => {
      const w = (summary[c.name].ms / max) * 420
      const y = 50 + i * 26
      return `<text x="10" y="${y + 13}">${c.short ?? c.label}</text><rect x="170" y="${y}" width="${w.toFixed(1)}" height="18" fill="#2f6fde"/><text x="${(176 + w).toFixed(1)}" y="${y + 13}">${Math.round(summary[c.name].ms)} ms</text>`
    })
    const h = 60 + contenders.length * 26
    writeText(
      args.svg,
      `<svg xmlns="http://www.w3.org/2000/svg" width="720" height="${h}" viewBox="0 0 720 ${h}" font-family="system-ui, sans-serif" font-size="12">\n<rect width="720" height="${h}" fill="#fff"/>\n<text x="10" y="20" font-size="13" font-weight="bold">${caption}</text>\n<text x="10" y="38" fill="#555">notify → 202, every notification stored (shorter is better)</text>\n${bars.join("\n")}\n</svg>\n`,
      log
    )
  }
}

main().catch((e) => {
  console.error(e)
  killAll()
  process.exit(1)
})
