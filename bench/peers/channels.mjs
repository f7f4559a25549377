#!/usr/bin/env node
// Publish → delivered to every subscriber of one channel (issue 23, PROTOCOL.md §12), beside
// socket.io@4 rooms, with the peers bench's harness: the same contenders' servers pinned to core 0
// (contenders.mjs), this process (client sockets and the HTTP pusher) on core 1 (proc.mjs), the
// same tracker and pusher (load.mjs), the same JSON and SVG writers (report.mjs).
//   PushBack: SUBSCRIBERS users, one WebSocket each, subscribed to `bench:room` (a public
//     namespace, no presence); a backend publish (POST /v1/channels/bench:room/publish).
//   socket.io: SUBSCRIBERS sockets in one room (its bench server joins each socket to the room
//     its handshake names); an HTTP push that emits to the room.
// Each contender gets a fresh server, a warm-up, then PUBLISHES publications one after another:
// ms from sending the request until the last socket has it (median, p90), and the server's CPU
// per publication. Prints a table with PushBack's ratio, writes the JSON record and an SVG chart.
// Usage: node bench/peers/channels.mjs [--subscribers 1000] [--publishes 30] [--only pushback,socketio]
//        [--json FILE] [--svg FILE] [--smoke]   (after `pnpm build`)
//        node bench/peers/channels.mjs --redraw bench/results/channels-peers.json   (the chart again)
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import WebSocket from "ws"
import { CONTENDERS } from "./contenders.mjs"
import { makeHttp, makeTracker } from "./load.mjs"
import { canPin, cpuMicros, killAll, pinSelf } from "./proc.mjs"
import { writeJson, writeText } from "./report.mjs"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")
const { values: args } = parseArgs({
  options: {
    subscribers: { type: "string" },
    publishes: { type: "string" },
    only: { type: "string", default: "pushback,socketio" },
    smoke: { type: "boolean", default: false },
    json: { type: "string" },
    svg: { type: "string" },
    redraw: { type: "string" }
  }
})
const SUBSCRIBERS = Number(args.subscribers ?? (args.smoke ? 50 : 1000))
const PUBLISHES = Number(args.publishes ?? (args.smoke ? 5 : 30))
const WARM = args.smoke ? 2 : 10
const ROOM = "bench:room"
const DRAIN_MS = 15_000
const jsonPath = args.json ?? (args.smoke ? undefined : join(root, "bench/results/channels-peers.json"))
const svgPath = args.svg ?? (args.smoke ? undefined : join(root, "docs/img/channels-peers.svg"))
const contenders = CONTENDERS.filter((c) => args.only.split(",").includes(c.name))
const log = (msg) => console.error(`[channels] ${msg}`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

/** The nodes' ports of a PushBack contender (its notify requests go to them in turn). */
const portsOf = (inst) => [...new Set(Array.from({ length: 6 }, () => inst.unicast("x", {}).port))]

/** A PushBack subscriber: token, WebSocket, `subscribe`; resolves once `subscribed` arrived. */
const pushbackSubscriber = async (inst, http, port, user, onPayload) => {
  const { token } = await http.json(port, inst.api("/v1/tokens", { user, ttlSeconds: 3600 }))
  return new Promise((done, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws?token=${token}`)
    const timer = setTimeout(() => fail(new Error(`${user}: not subscribed in 15 s`)), 15_000)
    ws.on("error", fail)
    ws.on("message", (data) => {
      const frame = JSON.parse(data)
      if (frame.type === "welcome") ws.send(JSON.stringify({ type: "subscribe", channel: ROOM, ref: "s" }))
      else if (frame.type === "subscribed") {
        clearTimeout(timer)
        done({ close: () => ws.terminate() })
      } else if (frame.type === "publication") onPayload(frame.data)
      else if (frame.type === "reply" && !frame.ok) fail(new Error(`${user}: ${JSON.stringify(frame.error)}`))
    })
  })
}

/** Starts `contender` with SUBSCRIBERS subscribers; answers how to publish and how to stop. */
const setUp = async (contender, dir, http, tracker) => {
  const inst = await contender.start(dir, http)
  const clients = []
  const open = async (make) => {
    for (let i = 0; i < SUBSCRIBERS; i += 100)
      clients.push(
        ...(await Promise.all(Array.from({ length: Math.min(100, SUBSCRIBERS - i) }, (_, k) => make(i + k))))
      )
  }
  try {
    if (contender.name.startsWith("pushback")) {
      const ports = portsOf(inst)
      const spec = inst.api("/v1/namespaces/bench", {})
      const res = await fetch(`http://127.0.0.1:${ports[0]}/v1/namespaces/bench`, {
        method: "PUT",
        headers: { ...spec.headers, "content-type": "application/json" },
        body: JSON.stringify({ public: true })
      })
      if (!res.ok) throw new Error(`PUT namespace answered ${res.status}: ${await res.text()}`)
      await inst.addUsers(Array.from({ length: SUBSCRIBERS }, (_, i) => `u${i}`))
      await open((i) => pushbackSubscriber(inst, http, ports[i % ports.length], `u${i}`, tracker.onPayload))
      let n = 0
      const publish = (data) => ({
        ...inst.api(`/v1/channels/${ROOM}/publish`, { data }),
        port: ports[n++ % ports.length]
      })
      return { inst, clients, publish }
    }
    // socket.io: every socket's handshake names the same room (its bench server's `user`).
    await open(() => inst.connect(ROOM, tracker.onPayload))
    return { inst, clients, publish: (data) => inst.unicast(ROOM, data) }
  } catch (e) {
    for (const c of clients) c.close()
    await inst.stop()
    throw e
  }
}

/** One publication: ms until every subscriber has it (NaN when some never did), and the answer's status. */
const once = async ({ inst, publish }, http, tracker) => {
  const { w, b, whenAll, left } = tracker.expectBroadcast(SUBSCRIBERS)
  const t0 = performance.now()
  const answer = http.call(inst.port, publish({ w, b }))
  const tAll = await Promise.race([whenAll, sleep(DRAIN_MS).then(() => Number.NaN)])
  const { status } = await answer
  return { ms: tAll - t0, delivered: SUBSCRIBERS - left(), ok: status >= 200 && status < 300 }
}

const measure = async (contender, http) => {
  const dir = mkdtempSync(join(tmpdir(), `channels-${contender.name}-`))
  const tracker = makeTracker()
  let run
  try {
    run = await setUp(contender, dir, http, tracker)
    for (let i = 0; i < WARM; i++) await once(run, http, tracker)
    const cpu0 = run.inst.pids.reduce((s, pid) => s + cpuMicros(pid), 0)
    const each = []
    for (let i = 0; i < PUBLISHES; i++) each.push(await once(run, http, tracker))
    const cpu = run.inst.pids.reduce((s, pid) => s + cpuMicros(pid), 0) - cpu0
    const ms = each.map((x) => x.ms)
    const lost = each.reduce((s, x) => s + (SUBSCRIBERS - x.delivered), 0)
    const errors = each.filter((x) => !x.ok).length
    return {
      median: quantile(ms, 0.5),
      p90: quantile(ms, 0.9),
      cpuMsPerPublish: cpu / 1000 / PUBLISHES,
      sent: PUBLISHES * SUBSCRIBERS,
      delivered: PUBLISHES * SUBSCRIBERS - lost,
      errors,
      ms
    }
  } finally {
    for (const c of run?.clients ?? []) c.close()
    await run?.inst.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const chart = (list, summary, caption, detail) => {
  const max = Math.max(...list.map((c) => summary[c.name].p90))
  const bars = list.map((c, i) => {
    const { median, p90 } = summary[c.name]
    const w = (median / max) * 420
    const w90 = (p90 / max) * 420
    const y = 50 + i * 26
    return `<text x="10" y="${y + 13}">${c.short ?? c.label}</text><rect x="170" y="${y}" width="${w90.toFixed(1)}" height="18" fill="#b7cdf5"/><rect x="170" y="${y}" width="${w.toFixed(1)}" height="18" fill="#2f6fde"/><text x="${(176 + w90).toFixed(1)}" y="${y + 13}">${median.toFixed(1)} ms (p90 ${p90.toFixed(1)})</text>`
  })
  const h = 60 + list.length * 26
  return `<svg xmlns="http://www.w3.org/2000/svg" width="720" height="${h}" viewBox="0 0 720 ${h}" font-family="system-ui, sans-serif" font-size="12">\n<title>${caption}</title>\n<rect width="720" height="${h}" fill="#fff"/>\n<text x="10" y="20" font-size="13" font-weight="bold">${caption}</text>\n<text x="10" y="38" fill="#555">${detail}</text>\n${bars.join("\n")}\n</svg>\n`
}

/** The chart of a record: a short title, and what was measured under it. */
const drawn = (record) => {
  const { machine: m, params } = record
  const title = `Publish to a channel of ${params.SUBSCRIBERS.toLocaleString("en-US")} subscribers, PushBack and socket.io (${record.started.slice(0, 10)})`
  const detail = `ms until the last has it (${params.PUBLISHES} publications): median dark, p90 light; ${m.cores} cores, Node ${m.node}`
  return chart(record.contenders, record.summary, title, detail)
}

const main = async () => {
  if (args.redraw) {
    writeText(
      svgPath ?? join(root, "docs/img/channels-peers.svg"),
      drawn(JSON.parse(readFileSync(args.redraw, "utf8"))),
      log
    )
    return 0
  }
  const deadline = setTimeout(() => {
    log("deadline of 10 min passed; stopping everything")
    killAll()
    process.exit(2)
  }, 10 * 60_000)
  deadline.unref()
  const loadavgBefore = loadavg()
  const http = makeHttp()
  const results = {}
  try {
    for (const c of contenders) {
      log(c.label)
      results[c.name] = await measure(c, http)
      const r = results[c.name]
      log(
        `  median ${r.median.toFixed(1)} ms, p90 ${r.p90.toFixed(1)} ms, ${r.delivered}/${r.sent} delivered`
      )
    }
  } finally {
    http.close()
  }
  const n = SUBSCRIBERS.toLocaleString("en-US")
  const base = results.socketio
  const ratio = (c, key) =>
    base && c.name !== "socketio" ? ` (${(results[c.name][key] / base[key]).toFixed(2)}×)` : ""
  const caption = `Publish to a channel of ${n} subscribers (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version}; ${PUBLISHES} publications${canPin ? ", servers on core 0, clients on core 1" : ""})`
  const rows = [
    `| measure | ${contenders.map((c) => c.short ?? c.label).join(" | ")} |`,
    `| --- | ${contenders.map(() => "---").join(" | ")} |`,
    `| publish → all ${n} (median) | ${contenders.map((c) => `${results[c.name].median.toFixed(1)} ms${ratio(c, "median")}`).join(" | ")} |`,
    `| publish → all ${n} (p90) | ${contenders.map((c) => `${results[c.name].p90.toFixed(1)} ms${ratio(c, "p90")}`).join(" | ")} |`,
    `| server CPU per publication | ${contenders.map((c) => `${results[c.name].cpuMsPerPublish.toFixed(1)} ms${ratio(c, "cpuMsPerPublish")}`).join(" | ")} |`,
    `| delivered | ${contenders.map((c) => `${results[c.name].delivered}/${results[c.name].sent}`).join(" | ")} |`
  ]
  console.log(`\n${caption}\n\n${rows.join("\n")}`)
  const complete = contenders.every(
    (c) => results[c.name].delivered === results[c.name].sent && !results[c.name].errors
  )
  const record = {
    started: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      node: process.version,
      pinned: canPin,
      loadavgBefore,
      loadavgAfter: loadavg()
    },
    params: { SUBSCRIBERS, PUBLISHES, WARM },
    contenders: contenders.map(({ name, label, short }) => ({ name, label, short })),
    summary: results,
    complete
  }
  if (jsonPath) writeJson(jsonPath, record, log)
  if (svgPath) writeText(svgPath, drawn(record), log)
  return complete ? 0 : 1
}

process.on("exit", killAll)
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130))
pinSelf(1)
main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e)
    process.exit(1)
  }
)
