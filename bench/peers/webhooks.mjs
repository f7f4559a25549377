#!/usr/bin/env node
// Do webhooks slow the notify path? (issue 25: "with an endpoint subscribed to
// notification.delivered, the side-by-side bench's per-user notify figures stay within 10% of
// the run without it"). For PushBack on SQLite and on PostgreSQL (one node each, pinned as in
// run.mjs), rounds alternate a server WITHOUT webhooks and one WITH an endpoint subscribed to
// `notification.delivered` (each a fresh server and database, 2,000 connected users): the
// per-user notify workload of run.mjs (50 in flight). Every delivered notification then makes a
// signed webhook sent by the outbox to a loopback receiver (servers/webhook-receiver.mjs, on the
// load generator's core). Besides the workload's own figures, the server CPU per notify is also
// given "with the sends": measured until the receiver has every event, so work the outbox left
// for later is counted too. Prints a table (without, with, ratio), writes JSON and an SVG chart.
// Bounded: a deadline for the run, a cap on the wait for the sends.
// Usage: node bench/peers/webhooks.mjs [--rounds 3] [--only pushback,pushbackPg] [--count 20000]
//        [--users 2000] [--batch] [--json FILE] [--svg FILE]   (after `pnpm build`)
import { mkdtempSync, rmSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { CONTENDERS } from "./contenders.mjs"
import { broadcastAll, makeHttp, makeTracker, perUser } from "./load.mjs"
import { cpuByThread, cpuDelta, cpuMicros, killAll, start, stop } from "./proc.mjs"
import { writeJson, writeText } from "./report.mjs"

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    only: { type: "string", default: "pushback,pushbackPg" },
    count: { type: "string", default: "20000" },
    users: { type: "string", default: "2000" },
    batch: { type: "boolean", default: false },
    json: { type: "string" },
    svg: { type: "string" }
  }
})
const ROUNDS = Number(args.rounds)
const COUNT = Number(args.count)
const N = Number(args.users)
const SEND_WAIT_MS = 120_000
const LOAD_CORE = 1
const contenders = CONTENDERS.filter((c) => args.only.split(",").includes(c.name))
const VARIANTS = ["without", "with"]
const log = (msg) => console.error(`[webhooks] ${msg}`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** The loopback receiver: its port, `count()` and `setSecret(secret)`. */
const startReceiver = async () => {
  const file = fileURLToPath(new URL("./servers/webhook-receiver.mjs", import.meta.url))
  const { child, match } = await start(process.execPath, [file], {
    core: LOAD_CORE,
    ready: /listening on http:\/\/127\.0\.0\.1:(\d+)/
  })
  const port = Number(match[1])
  return {
    port,
    setSecret: (secret) => child.stdin.write(`${secret}\n`),
    count: async () => (await fetch(`http://127.0.0.1:${port}/count`)).json(),
    stop: () => stop(child)
  }
}

/** One server of `contender`, with or without the endpoint; the per-user workload measured. */
const round = async (contender, http, variant) => {
  const dir = mkdtempSync(join(tmpdir(), `webhooks-${contender.name}-`))
  const tracker = makeTracker()
  const clients = []
  let inst
  let receiver
  try {
    inst = await contender.start(dir, http, { config: { webhooks: { allowPrivate: true } } })
    const users = Array.from({ length: N }, (_, i) => `u${i}`)
    await inst.addUsers(users)
    if (variant === "with") {
      receiver = await startReceiver()
      const created = await http.json(
        inst.port,
        inst.api("/v1/webhooks", {
          url: `http://127.0.0.1:${receiver.port}/hooks`,
          events: ["notification.delivered"],
          ...(args.batch ? { batch: true } : {})
        })
      )
      if (typeof created.secret !== "string") throw new Error(`no endpoint: ${JSON.stringify(created)}`)
      receiver.setSecret(created.secret)
    }
    for (let i = 0; i < users.length; i += 200) {
      clients.push(
        ...(await Promise.all(users.slice(i, i + 200).map((u) => inst.connect(u, tracker.onPayload))))
      )
    }
    const ctx = { inst, http, tracker }
    const one = { ...ctx, users, inflight: 50, maxMs: 60_000 }
    await broadcastAll({ ...ctx, n: N })
    await perUser({ ...one, count: Math.min(2000, COUNT) })
    // the warm-up's events are sent before the measured workload starts
    const before = receiver ? await waitForEvents(receiver, N + Math.min(2000, COUNT)) : undefined
    const cpu0 = inst.pids.reduce((sum, pid) => sum + cpuMicros(pid), 0)
    const threads0 = cpuByThread(inst.procs)
    const w = await perUser({ ...one, count: COUNT })
    if (w.delivered !== w.sent || w.errors)
      throw new Error(`${contender.name}: messages lost or calls failed`)
    const workloadEnd = performance.now()
    let sendsMs = 0
    let got
    if (receiver) {
      got = await waitForEvents(receiver, before.events + w.delivered)
      sendsMs = performance.now() - workloadEnd
      if (got.bad > 0) throw new Error(`${got.bad} webhook requests failed their signature check`)
    }
    const cpuAll = inst.pids.reduce((sum, pid) => sum + cpuMicros(pid), 0) - cpu0
    const threads = cpuDelta(threads0, cpuByThread(inst.procs, threads0))
    return {
      rate: w.rate,
      p50: w.p50,
      p99: w.p99,
      cpuPerCall: w.cpuPerCall,
      cpuWithSends: cpuAll / w.sent,
      sendsAfterMs: sendsMs,
      // µs per notify by thread (main, writer, V8 helpers, …; PostgreSQL), the sends included
      threadsWithSends: Object.fromEntries(
        Object.entries(threads).map(([g, us]) => [g, Math.round(us / w.sent)])
      ),
      ...(got && {
        events: got.events - before.events,
        requests: got.requests - before.requests,
        checked: got.checked
      })
    }
  } finally {
    for (const c of clients) c.close()
    await inst?.stop()
    await receiver?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Waits until the receiver has `n` events (at most SEND_WAIT_MS); answers its counts. */
const waitForEvents = async (receiver, n) => {
  const until = performance.now() + SEND_WAIT_MS
  for (;;) {
    const c = await receiver.count()
    if (process.env.WH_TRACE) log(`  receiver: ${c.events} events, ${c.requests} requests`)
    if (c.events >= n) return c
    if (performance.now() > until) throw new Error(`the receiver got ${c.events} of ${n} events in time`)
    await sleep(50)
  }
}

const MEASURES = [
  { key: "rate", label: "per-user notify, 50 in flight: deliveries/s", unit: "/s" },
  { key: "p50", label: "… notify → frame p50", unit: " ms" },
  { key: "p99", label: "… notify → frame p99", unit: " ms" },
  { key: "cpuPerCall", label: "… server CPU per notify (during the workload)", unit: " µs" },
  { key: "cpuWithSends", label: "… server CPU per notify, with every webhook sent", unit: " µs" },
  { key: "sendsAfterMs", label: "… webhooks still being sent after the workload", unit: " ms" }
]
const fmt = (v, unit) => `${v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1)}${unit}`
const ratio = (a, b) => (a === 0 ? "—" : `${(b / a).toFixed(2)}×`)

const chart = (summary, caption) => {
  const rowH = 18
  const width = 780
  const shown = MEASURES.filter((m) => m.key !== "sendsAfterMs")
  const height = 50 + shown.length * (28 + contenders.length * 2 * rowH)
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${caption}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${caption}</text>`,
    `<text x="10" y="38" fill="#555">grey: no webhook endpoint; blue: an endpoint on notification.delivered (medians of ${ROUNDS} rounds)</text>`
  ]
  let y = 50
  for (const m of shown) {
    out.push(`<text x="10" y="${y + 16}" font-weight="bold">${m.label}</text>`)
    y += 24
    const max = Math.max(...contenders.flatMap((c) => VARIANTS.map((v) => summary[c.name][v][m.key])))
    for (const c of contenders) {
      for (const v of VARIANTS) {
        const value = summary[c.name][v][m.key]
        const w = Math.max(1, (value / max) * 420)
        out.push(
          `<text x="10" y="${y + 12}">${c.short ?? c.label}${v === "with" ? " + webhook" : ""}</text>`,
          `<rect x="240" y="${y}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="${v === "without" ? "#9aa5b1" : "#2f6fde"}"/>`,
          `<text x="${(246 + w).toFixed(1)}" y="${y + 12}">${fmt(value, m.unit)}</text>`
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
  const deadline = setTimeout(
    () => {
      log("deadline passed; stopping everything")
      killAll()
      process.exit(2)
    },
    (10 + ROUNDS * 8) * 60_000
  )
  deadline.unref()
  const http = makeHttp()
  const rounds = Object.fromEntries(contenders.map((c) => [c.name, { without: [], with: [] }]))
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      for (const c of contenders) {
        for (const v of r % 2 ? VARIANTS : [...VARIANTS].reverse()) {
          log(`round ${r}/${ROUNDS}: ${c.label} ${v} a webhook endpoint`)
          const x = await round(c, http, v)
          rounds[c.name][v].push(x)
          log(
            `  ${Math.round(x.rate)}/s, p99 ${x.p99.toFixed(1)} ms, ${Math.round(x.cpuPerCall)} µs/call, with sends ${Math.round(x.cpuWithSends)} µs/call (${Object.entries(
              x.threadsWithSends
            )
              .map(([g, us]) => `${g} ${us}`)
              .join(
                ", "
              )})${x.events === undefined ? "" : `, ${x.events} events in ${x.requests} requests, ${Math.round(x.sendsAfterMs)} ms after`}`
          )
        }
      }
    }
  } finally {
    http.close()
  }
  const summary = Object.fromEntries(
    contenders.map((c) => [
      c.name,
      Object.fromEntries(
        VARIANTS.map((v) => [
          v,
          Object.fromEntries(MEASURES.map((m) => [m.key, median(rounds[c.name][v].map((x) => x[m.key]))]))
        ])
      )
    ])
  )
  const rows = [
    `| measure | ${contenders.map((c) => `${c.short ?? c.label}: without | with | ratio`).join(" | ")} |`,
    `| --- | ${contenders.map(() => "--- | --- | ---").join(" | ")} |`,
    ...MEASURES.map(
      (m) =>
        `| ${m.label} | ${contenders
          .map((c) => {
            const { without, with: hooked } = summary[c.name]
            return `${fmt(without[m.key], m.unit)} | ${fmt(hooked[m.key], m.unit)} | ${ratio(without[m.key], hooked[m.key])}`
          })
          .join(" | ")} |`
    )
  ]
  const caption = `PushBack without and with a webhook endpoint on notification.delivered${args.batch ? " (batched)" : ""} (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version})`
  console.log(`\n${caption}\n\n${rows.join("\n")}`)
  const record = {
    started: new Date().toISOString(),
    params: { ROUNDS, COUNT, N, batch: args.batch },
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
