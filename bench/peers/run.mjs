#!/usr/bin/env node
// PushBack side by side with socket.io@4, a raw ws@8 server and nginx+nchan, in one run, by
// one load generator (issue 10), and PushBack on PostgreSQL as one node and as 3 nodes with
// PostgreSQL + Redis (issue 11). Each server (a cluster's nodes, PostgreSQL and Redis together)
// runs alone on core 0, this process (client sockets and the HTTP pusher) on core 1. Rounds
// alternate the contenders, each with a fresh server (and database):
//   1. per-user notify, 50 in flight, to N1 connected users: deliveries/s, p50/p99, CPU per call
//      (for PushBack also split by thread, read from /proc: main, writer, V8 helpers, the pools;
//      PostgreSQL and Redis apart from the nodes; a second table after the main one)
//   2. one notify to all N1 connected: ms until every socket has it
//   3. one notify to all N2 connected
//   4. per-user notify at a fixed rate: notify → frame p50/p99
// Prints a table (medians, ratios), writes JSON and an SVG chart (a partial run: only with
// --json / --svg). Bounded in count and time;
// everything it starts is stopped on the way out, failure or not.
// Usage: node bench/peers/run.mjs [--smoke] [--rounds N] [--only a,b] [--json FILE] [--svg FILE]
//        node bench/peers/run.mjs --redraw bench/results/peers.json   (table and chart again)
//        (after `pnpm build`; `pnpm bench` does both)
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { CONTENDERS } from "./contenders.mjs"
import { broadcastAll, fixedRate, makeHttp, makeTracker, perUser } from "./load.mjs"
import { ensureNchan } from "./nginx.mjs"
import { canPin, killAll } from "./proc.mjs"
import { spreadTable, summarize, svg, table, tally, threadTable, writeJson, writeText } from "./report.mjs"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")
const { values: args } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    rounds: { type: "string" },
    only: { type: "string" },
    json: { type: "string" },
    svg: { type: "string" },
    redraw: { type: "string" }
  }
})
const FULL = {
  n1: 2000,
  n2: 10_000,
  inflight: 50,
  count: 20_000,
  maxMs: 30_000,
  warm: 2000,
  rate: 1000,
  fixedCount: 5000,
  rounds: 3,
  deadlineMin: 45
}
const SMOKE = {
  n1: 50,
  n2: 100,
  inflight: 50,
  count: 300,
  maxMs: 10_000,
  warm: 50,
  rate: 1000,
  fixedCount: 300,
  rounds: 1,
  deadlineMin: 8
}
const p = { ...(args.smoke ? SMOKE : FULL) }
if (args.rounds) p.rounds = Number(args.rounds)
const contenders = args.only ? CONTENDERS.filter((c) => args.only.split(",").includes(c.name)) : CONTENDERS
// The recorded run is written only by a whole run: a smoke or `--only` run writes where told, if told.
const partial = args.smoke || args.only !== undefined
const jsonPath = args.json ?? (partial ? undefined : join(root, "bench/results/peers.json"))
const svgPath = args.svg ?? (partial ? undefined : join(root, "docs/img/peers.svg"))
const log = (msg) => console.error(`[peers] ${msg}`)

/** Opens one socket per user, `batch` at a time. */
const connectAll = async (inst, users, tracker, batch = 200) => {
  const clients = []
  for (let i = 0; i < users.length; i += batch) {
    const opened = await Promise.all(users.slice(i, i + batch).map((u) => inst.connect(u, tracker.onPayload)))
    clients.push(...opened)
  }
  return clients
}

/** The monotonic clock in µs: the clock of V8's profiles, in any process of this machine. */
const microseconds = () => Number(process.hrtime.bigint() / 1000n)

/** One broadcast everybody must get before anything is measured (and a warm-up). */
const allSubscribed = async (ctx, n) => {
  const r = await broadcastAll({ ...ctx, n })
  if (r.delivered !== n) throw new Error(`only ${r.delivered} of ${n} sockets got the check broadcast`)
}

/** One round of the four workloads against one contender, on a fresh server. */
const runContender = async (contender, http) => {
  const dir = mkdtempSync(join(tmpdir(), `peers-${contender.name}-`))
  const tracker = makeTracker()
  const clients = []
  let inst
  try {
    inst = await contender.start(dir, http)
    const ctx = { inst, http, tracker }
    const users = Array.from({ length: p.n2 }, (_, i) => `u${i}`)
    const first = users.slice(0, p.n1)
    await inst.addUsers(first)
    clients.push(...(await connectAll(inst, first, tracker)))
    await allSubscribed(ctx, p.n1)
    const one = { ...ctx, users: first, inflight: p.inflight, maxMs: p.maxMs }
    await perUser({ ...one, count: p.warm })
    const from = microseconds()
    const w1 = await perUser({ ...one, count: p.count })
    // With PUSHBACK_BENCH_PROFILE, the per-user workload's window, for bench/peers/profile.mjs
    if (process.env.PUSHBACK_BENCH_PROFILE) {
      const window = { from, to: microseconds() }
      writeFileSync(join(process.env.PUSHBACK_BENCH_PROFILE, "w1.json"), JSON.stringify(window))
    }
    const w2 = await broadcastAll({ ...ctx, n: p.n1 })
    await inst.addUsers(users.slice(p.n1))
    clients.push(...(await connectAll(inst, users.slice(p.n1), tracker)))
    await allSubscribed(ctx, p.n2)
    const w3 = await broadcastAll({ ...ctx, n: p.n2 })
    const w4 = await fixedRate({ ...ctx, users, count: p.fixedCount, rate: p.rate })
    return { w1, w2, w3, w4 }
  } finally {
    for (const c of clients) c.close()
    await inst?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The commit measured, and whether the server's sources differ from it (a work in progress). */
const codeVersion = () => {
  const git = (...a) => execFileSync("git", ["-C", root, ...a], { encoding: "utf8" }).trim()
  try {
    return {
      commit: git("rev-parse", "--short", "HEAD"),
      dirty: git("status", "--porcelain", "apps/server", "packages") !== ""
    }
  } catch {
    return { commit: "unknown", dirty: true }
  }
}

/** Runs every round and contender; answers the record that `publish` prints and writes. */
const measure = async () => {
  if (contenders.some((c) => c.name === "nchan")) ensureNchan()
  const deadline = setTimeout(() => {
    log(`deadline of ${p.deadlineMin} min passed; stopping everything`)
    killAll()
    process.exit(2)
  }, p.deadlineMin * 60_000)
  deadline.unref()
  const loadavgBefore = loadavg()
  const started = new Date().toISOString()
  const http = makeHttp()
  const results = Object.fromEntries(contenders.map((c) => [c.name, []]))
  for (let round = 1; round <= p.rounds; round++) {
    for (const c of contenders) {
      log(`round ${round}/${p.rounds}: ${c.label}`)
      const r = await runContender(c, http)
      results[c.name].push(r)
      log(
        `  ${Math.round(r.w1.rate)}/s, p99 ${r.w1.p99.toFixed(1)} ms; all: ${r.w2.ms.toFixed(0)}, ${r.w3.ms.toFixed(0)} ms`
      )
    }
  }
  http.close()
  const counts = tally(results)
  return {
    started,
    finished: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      node: process.version,
      pinned: canPin,
      loadavgBefore,
      loadavgAfter: loadavg()
    },
    code: codeVersion(),
    params: p,
    contenders: contenders.map(({ name, label, short }) => ({ name, label, short })),
    summary: summarize(results, p),
    complete: counts.complete,
    counts: counts.rows,
    rounds: results
  }
}

/** Prints the table and the counts, writes the JSON and the chart; answers the exit code. */
const publish = (record, { json, chart }) => {
  const { machine: m, params, contenders: cs, summary } = record
  const where = m.pinned ? "servers pinned to core 0, load generator to core 1" : "not pinned"
  const clustered = cs.some((c) => c.name === "pushbackPg" || c.name === "pushback3")
  const title = `PushBack${clustered ? " (SQLite; PostgreSQL ×1, ×3)" : ""} vs socket.io, raw ws and nchan`
  console.log(`\n${title} (${m.cpu}, ${m.cores} cores, Node ${m.node}; ${where})\n`)
  console.log(table(summary, cs, params))
  const byThread = threadTable(summary, cs, params)
  if (byThread) console.log(`\n${byThread}`)
  if (params.rounds > 1) console.log(`\n${spreadTable(record.rounds, cs, params)}`)
  const bad = record.counts.filter((x) => x.delivered !== x.sent || x.errors || x.dups)
  console.log(
    bad.length ? "\nMessages were lost or calls failed:" : "\nEvery contender delivered every message."
  )
  for (const r of bad) console.log(`  ${JSON.stringify(r)}`)
  if (json) writeJson(json, record, log)
  const caption = `${title} (${record.started.slice(0, 10)}, ${m.cores} cores, Node ${m.node})`
  if (chart) writeText(chart, svg(summary, cs, params, caption), log)
  return record.complete ? 0 : 1
}

const main = async () => {
  if (args.redraw) return publish(JSON.parse(readFileSync(args.redraw, "utf8")), { chart: svgPath })
  return publish(await measure(), { json: jsonPath, chart: svgPath })
}

if (canPin && process.env.PEERS_PINNED !== "1") {
  // Re-run this file on core 1; the servers go to core 0. Our stdin is the child's lifeline.
  const child = spawn(
    "taskset",
    ["-c", "1", process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: ["pipe", "inherit", "inherit"],
      env: { ...process.env, PEERS_PINNED: "1" }
    }
  )
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig))
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
} else {
  process.on("exit", killAll)
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130))
  if (process.env.PEERS_PINNED === "1") process.stdin.on("end", () => process.exit(1)).resume()
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e)
      process.exit(1)
    }
  )
}
