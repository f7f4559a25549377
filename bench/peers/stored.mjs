#!/usr/bin/env node
// Does a notify cost more as notifications pile up? (issue 22: "flat with what is stored").
// For PushBack on SQLite and on PostgreSQL (one node each, pinned as in run.mjs), on a fresh
// server with 2,000 connected users: the per-user notify workload (50 in flight) and one notify
// to all 2,000, on an empty database; then STORED notifications are added (calls of 1,000
// recipients to the same users, so their inboxes, streams and the calls' tables all grow), the
// server is left to finish what the fill started (settle), and both workloads run again (the
// broadcast BROADCASTS times, one after the other). Rounds alternate; medians. Prints a table
// (empty, stored, ratio), writes the JSON record and an SVG chart. Bounded in count and time.
// Usage: node bench/peers/stored.mjs [--stored 100000] [--rounds 2] [--only pushback,pushbackPg]
//        [--count 20000] [--users 2000] [--broadcasts 5] [--json FILE] [--svg FILE]   (after `pnpm build`)
import { mkdtempSync, rmSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { CONTENDERS } from "./contenders.mjs"
import { broadcastAll, makeHttp, makeTracker, perUser } from "./load.mjs"
import { cpuMicros, killAll } from "./proc.mjs"
import { writeJson, writeText } from "./report.mjs"

const { values: args } = parseArgs({
  options: {
    stored: { type: "string", default: "100000" },
    rounds: { type: "string", default: "2" },
    only: { type: "string", default: "pushback,pushbackPg" },
    count: { type: "string", default: "20000" },
    users: { type: "string", default: "2000" },
    broadcasts: { type: "string", default: "5" },
    json: { type: "string" },
    svg: { type: "string" }
  }
})
const STORED = Number(args.stored)
const ROUNDS = Number(args.rounds)
const COUNT = Number(args.count)
const N = Number(args.users)
const PER_CALL = Math.min(1000, N)
const BROADCASTS = Number(args.broadcasts)
const contenders = CONTENDERS.filter((c) => args.only.split(",").includes(c.name))
const log = (msg) => console.error(`[stored] ${msg}`)
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** Stores `total` notifications for `users`: calls of PER_CALL recipients, 4 in flight. */
const fill = async (inst, http, users, total) => {
  const calls = Math.ceil(total / PER_CALL)
  let next = 0
  const t0 = performance.now()
  const worker = async () => {
    while (next < calls) {
      const i = next++
      const to = Array.from({ length: PER_CALL }, (_, k) => users[(i * PER_CALL + k) % users.length])
      const spec = inst.unicast(to[0], { fill: i })
      const body = JSON.stringify({ users: to, content: { fill: i } })
      await http.json(spec.port, { ...spec, body })
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker))
  log(`  stored ${calls * PER_CALL} notifications in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}

/**
 * Waits until the server is quiet (under 5% of a core over half a second; at most 60 s): the
 * fill's 100,000 delivery receipts, checkpoints and PostgreSQL's own work after a bulk load
 * would otherwise land in the next workload, which measures what a notify costs with the data
 * stored, not the tail of storing it.
 */
const settle = async (inst) => {
  const t0 = performance.now()
  const busy = () => inst.pids.reduce((sum, pid) => sum + cpuMicros(pid), 0)
  for (;;) {
    const before = busy()
    await new Promise((r) => setTimeout(r, 500))
    const share = (busy() - before) / 500_000
    if (share < 0.05 || performance.now() - t0 > 60_000) {
      log(
        `  quiet after ${((performance.now() - t0) / 1000).toFixed(1)} s (${(share * 100).toFixed(0)}% of a core)`
      )
      return
    }
  }
}

/** One round against one contender: both workloads on an empty database, then with STORED more. */
const round = async (contender, http) => {
  const dir = mkdtempSync(join(tmpdir(), `stored-${contender.name}-`))
  const tracker = makeTracker()
  const clients = []
  let inst
  try {
    inst = await contender.start(dir, http)
    const users = Array.from({ length: N }, (_, i) => `u${i}`)
    await inst.addUsers(users)
    for (let i = 0; i < users.length; i += 200) {
      clients.push(
        ...(await Promise.all(users.slice(i, i + 200).map((u) => inst.connect(u, tracker.onPayload))))
      )
    }
    const ctx = { inst, http, tracker }
    const one = { ...ctx, users, inflight: 50, maxMs: 30_000 }
    const measure = async () => {
      await broadcastAll({ ...ctx, n: N })
      await perUser({ ...one, count: Math.min(2000, COUNT) })
      const w1 = await perUser({ ...one, count: COUNT })
      // One broadcast is a single sample of ~50-100 ms that a stray fsync doubles: the median of several.
      const broadcasts = []
      for (let b = 0; b < BROADCASTS; b++) {
        const w2 = await broadcastAll({ ...ctx, n: N })
        if (w2.delivered !== N) throw new Error(`${contender.name}: messages lost`)
        broadcasts.push(w2.ms)
      }
      if (w1.delivered !== w1.sent) throw new Error(`${contender.name}: messages lost`)
      return {
        rate: w1.rate,
        p99: w1.p99,
        cpuPerCall: w1.cpuPerCall,
        cpuThreads: w1.cpuThreads,
        broadcastMs: median(broadcasts)
      }
    }
    await settle(inst)
    const empty = await measure()
    await fill(inst, http, users, STORED)
    await settle(inst)
    const stored = await measure()
    return { empty, stored }
  } finally {
    for (const c of clients) c.close()
    await inst?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const MEASURES = [
  { key: "rate", label: "per-user notify, 50 in flight: deliveries/s", unit: "/s" },
  { key: "p99", label: "… notify → frame p99", unit: " ms" },
  { key: "cpuPerCall", label: "… server CPU per notify call", unit: " µs" },
  {
    key: "broadcastMs",
    label: `one notify to all ${N.toLocaleString("en-US")}: every socket has it`,
    unit: " ms"
  }
]
const fmt = (v, unit) => `${v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1)}${unit}`

const chart = (summary, caption) => {
  const rowH = 18
  const width = 760
  const panels = MEASURES.map((m) => ({ m, rows: contenders.length * 2 }))
  const height = 50 + panels.reduce((h, p) => h + 28 + p.rows * rowH, 0)
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${caption}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${caption}</text>`,
    `<text x="10" y="38" fill="#555">grey: empty database; blue: with ${STORED.toLocaleString("en-US")} notifications stored (medians of ${ROUNDS} rounds)</text>`
  ]
  let y = 50
  for (const { m } of panels) {
    out.push(`<text x="10" y="${y + 16}" font-weight="bold">${m.label}</text>`)
    y += 24
    const max = Math.max(
      ...contenders.flatMap((c) => [summary[c.name].empty[m.key], summary[c.name].stored[m.key]])
    )
    for (const c of contenders) {
      for (const state of ["empty", "stored"]) {
        const v = summary[c.name][state][m.key]
        const w = Math.max(1, (v / max) * 420)
        out.push(
          `<text x="10" y="${y + 12}">${c.short ?? c.label}${state === "stored" ? " (stored)" : ""}</text>`,
          `<rect x="230" y="${y}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="${state === "empty" ? "#9aa5b1" : "#2f6fde"}"/>`,
          `<text x="${(236 + w).toFixed(1)}" y="${y + 12}">${fmt(v, m.unit)}</text>`
        )
        y += rowH
      }
    }
    y += 4
  }
  out.push("</svg>")
  return `${out.join("\n")}\n`
}

const main = async () => {
  const deadline = setTimeout(() => {
    log("deadline of 40 min passed; stopping everything")
    killAll()
    process.exit(2)
  }, 40 * 60_000)
  deadline.unref()
  const http = makeHttp()
  const rounds = Object.fromEntries(contenders.map((c) => [c.name, []]))
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      for (const c of contenders) {
        log(`round ${r}/${ROUNDS}: ${c.label}`)
        const result = await round(c, http)
        rounds[c.name].push(result)
        log(
          `  empty ${Math.round(result.empty.rate)}/s, ${result.empty.broadcastMs.toFixed(0)} ms; stored ${Math.round(result.stored.rate)}/s, ${result.stored.broadcastMs.toFixed(0)} ms`
        )
        const threads = (state) =>
          Object.entries(result[state].cpuThreads ?? {})
            .map(([g, us]) => `${g} ${Math.round(us)} µs`)
            .join(", ")
        log(`  CPU per call by thread: empty ${threads("empty")}; stored ${threads("stored")}`)
      }
    }
  } finally {
    http.close()
  }
  const summary = Object.fromEntries(
    contenders.map((c) => [
      c.name,
      Object.fromEntries(
        ["empty", "stored"].map((s) => [
          s,
          Object.fromEntries(MEASURES.map((m) => [m.key, median(rounds[c.name].map((x) => x[s][m.key]))]))
        ])
      )
    ])
  )
  const rows = [
    `| measure | ${contenders.map((c) => `${c.short ?? c.label}: empty | ${STORED.toLocaleString("en-US")} stored | ratio`).join(" | ")} |`,
    `| --- | ${contenders.map(() => "--- | --- | ---").join(" | ")} |`,
    ...MEASURES.map(
      (m) =>
        `| ${m.label} | ${contenders
          .map((c) => {
            const { empty, stored } = summary[c.name]
            return `${fmt(empty[m.key], m.unit)} | ${fmt(stored[m.key], m.unit)} | ${(stored[m.key] / empty[m.key]).toFixed(2)}×`
          })
          .join(" | ")} |`
    )
  ]
  const caption = `PushBack, empty vs ${STORED.toLocaleString("en-US")} notifications stored (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version})`
  console.log(`\n${caption}\n\n${rows.join("\n")}`)
  const record = {
    started: new Date().toISOString(),
    params: { STORED, ROUNDS, COUNT, N, BROADCASTS },
    summary,
    rounds
  }
  if (args.json) writeJson(args.json, record, log)
  if (args.svg) writeText(args.svg, chart(summary, caption), log)
}

main().catch((e) => {
  console.error(e)
  killAll()
  process.exit(1)
})
