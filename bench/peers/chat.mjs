#!/usr/bin/env node
// A chat message → delivered to the other members of a conversation (issue 27, PROTOCOL.md §13),
// beside a notify to as many users, in the same run, on the peers bench's harness: the contenders'
// servers pinned to core 0 (contenders.mjs), this process (client sockets and the HTTP pusher) on
// core 1 (proc.mjs), the same pusher and tracker (load.mjs), the same JSON and SVG writers (report.mjs).
//   MEMBERS users, one WebSocket each (/v1/ws), all members of one conversation.
//   message: a member posts (POST /v1/me/conversations/{id}/messages with their token and a
//     clientId; the author turns round the members); ms until the other MEMBERS − 1 have the
//     `message` entry. The author's own copy is not counted.
//   notify:  POST /v1/notify to the MEMBERS users; ms until all MEMBERS have the notification.
// Messages and notifies alternate, one at a time, so both meet the same machine; the server's
// CPU is read around each. Target (the issue): message p99 ≤ 2 × notify p99. Prints a table,
// writes the JSON record and an SVG chart.
// Usage: node bench/peers/chat.mjs [--members 100] [--rounds 200] [--only pushback,pushbackPg]
//        [--json FILE] [--svg FILE] [--smoke]   (after `pnpm build`)
//        node bench/peers/chat.mjs --redraw bench/results/chat.json   (the chart again)
import { randomUUID } from "node:crypto"
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
    members: { type: "string" },
    rounds: { type: "string" },
    only: { type: "string" },
    smoke: { type: "boolean", default: false },
    json: { type: "string" },
    svg: { type: "string" },
    redraw: { type: "string" }
  }
})
const MEMBERS = Number(args.members ?? (args.smoke ? 20 : 100))
const ROUNDS = Number(args.rounds ?? (args.smoke ? 10 : 200))
const WARM = args.smoke ? 2 : 20
const CONVERSATION = "bench-room"
const DRAIN_MS = 15_000
const jsonPath = args.json ?? (args.smoke ? undefined : join(root, "bench/results/chat.json"))
const svgPath = args.svg ?? (args.smoke ? undefined : join(root, "docs/img/chat-peers.svg"))
const only = (args.only ?? (args.smoke ? "pushback" : "pushback,pushbackPg")).split(",")
const contenders = CONTENDERS.filter((c) => only.includes(c.name))
const KINDS = ["message", "notify"]
const log = (msg) => console.error(`[chat] ${msg}`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const quantile = (xs, q) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

/**
 * One member's WebSocket: every notification's content and every message's data go to
 * `onPayload`, except the member's own messages (the author is not one of those it reaches).
 */
const member = (port, user, token, onPayload) =>
  new Promise((done, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws?token=${token}`)
    const timer = setTimeout(() => fail(new Error(`${user}: no welcome in 15 s`)), 15_000)
    ws.on("error", fail)
    ws.on("message", (data) => {
      const frame = JSON.parse(data)
      if (frame.type === "welcome") {
        clearTimeout(timer)
        done({ close: () => ws.terminate() })
      } else if (frame.type === "notification") onPayload(frame.notification.content)
      else if (frame.type === "message" && frame.message.author !== user) onPayload(frame.message.data)
    })
  })

/** Starts `contender` with MEMBERS connected members of one conversation. */
const setUp = async (contender, dir, http, tracker) => {
  const inst = await contender.start(dir, http)
  const clients = []
  try {
    const users = Array.from({ length: MEMBERS }, (_, i) => `u${i}`)
    await inst.addUsers(users)
    // The nodes' ports (one, or three for pushback3): members connect to them in turn, and
    // messages and notifies go to them in turn, as behind a round-robin load balancer.
    const ports = [...new Set(Array.from({ length: 6 }, () => inst.unicast("x", {}).port))]
    const port = ports[0]
    await http.json(port, inst.api("/v1/conversations", { id: CONVERSATION, members: users }))
    const tokens = []
    for (let i = 0; i < MEMBERS; i += 50) {
      const batch = users.slice(i, i + 50)
      const answers = await Promise.all(
        batch.map((user) => http.json(port, inst.api("/v1/tokens", { user, ttlSeconds: 3600 })))
      )
      tokens.push(...answers.map((a) => a.token))
      clients.push(
        ...(await Promise.all(
          batch.map((user, k) =>
            member(ports[(i + k) % ports.length], user, tokens[i + k], tracker.onPayload)
          )
        ))
      )
    }
    return { inst, clients, tokens, users, ports }
  } catch (e) {
    for (const c of clients) c.close()
    await inst.stop()
    throw e
  }
}

/** One operation of `kind`: ms until everyone it reaches has it (NaN if some never did), and its CPU. */
const once = async (run, kind, round, http, tracker) => {
  const { inst, tokens, users, ports } = run
  const port = ports[(round + (kind === "message" ? 0 : 1)) % ports.length]
  const expected = kind === "message" ? MEMBERS - 1 : MEMBERS
  const { w, b, whenAll, left } = tracker.expectBroadcast(expected)
  const author = round % MEMBERS
  const request =
    kind === "message"
      ? {
          port,
          path: `/v1/me/conversations/${CONVERSATION}/messages`,
          body: JSON.stringify({ text: `message ${round}`, data: { w, b }, clientId: randomUUID() }),
          headers: { authorization: `Bearer ${tokens[author]}` }
        }
      : { ...inst.api("/v1/notify", { users, content: { w, b } }), port }
  const cpu0 = inst.pids.reduce((s, pid) => s + cpuMicros(pid), 0)
  const t0 = performance.now()
  const answer = http.call(port, request)
  const tAll = await Promise.race([whenAll, sleep(DRAIN_MS).then(() => Number.NaN)])
  const { status, text } = await answer
  const cpu = inst.pids.reduce((s, pid) => s + cpuMicros(pid), 0) - cpu0
  if (status < 200 || status > 299) log(`  ${kind} answered ${status}: ${text.slice(0, 200)}`)
  return {
    ms: tAll - t0,
    cpuMs: cpu / 1000,
    delivered: expected - left(),
    expected,
    ok: status >= 200 && status < 300
  }
}

const measure = async (contender, http) => {
  const dir = mkdtempSync(join(tmpdir(), `chat-${contender.name}-`))
  const tracker = makeTracker()
  let run
  try {
    run = await setUp(contender, dir, http, tracker)
    for (let i = 0; i < WARM; i++) for (const kind of KINDS) await once(run, kind, i, http, tracker)
    const each = { message: [], notify: [] }
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which goes first, so neither always follows the other.
      for (const kind of i % 2 ? [...KINDS].reverse() : KINDS)
        each[kind].push(await once(run, kind, i, http, tracker))
    }
    return Object.fromEntries(
      KINDS.map((kind) => {
        const xs = each[kind]
        const ms = xs.map((x) => x.ms)
        return [
          kind,
          {
            p50: quantile(ms, 0.5),
            p90: quantile(ms, 0.9),
            p99: quantile(ms, 0.99),
            max: quantile(ms, 1),
            cpuMs: xs.reduce((s, x) => s + x.cpuMs, 0) / xs.length,
            sent: xs.reduce((s, x) => s + x.expected, 0),
            delivered: xs.reduce((s, x) => s + x.delivered, 0),
            errors: xs.filter((x) => !x.ok).length,
            ms
          }
        ]
      })
    )
  } finally {
    for (const c of run?.clients ?? []) c.close()
    await run?.inst.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The chart: per contender, a message bar and a notify bar, p50 dark and p99 light. */
const drawn = (record) => {
  const { machine: m, params, summary } = record
  const rows = record.contenders.flatMap((c) =>
    KINDS.map((kind) => ({ label: `${c.short ?? c.label} · ${kind}`, ...summary[c.name][kind] }))
  )
  const max = Math.max(...rows.map((r) => r.p99))
  const bars = rows.map((r, i) => {
    const w = (r.p50 / max) * 340
    const w99 = (r.p99 / max) * 340
    const y = 50 + i * 26
    return `<text x="10" y="${y + 13}">${r.label}</text><rect x="200" y="${y}" width="${w99.toFixed(1)}" height="18" fill="#b7cdf5"/><rect x="200" y="${y}" width="${w.toFixed(1)}" height="18" fill="#2f6fde"/><text x="${(206 + w99).toFixed(1)}" y="${y + 13}">${r.p50.toFixed(1)} ms (p99 ${r.p99.toFixed(1)})</text>`
  })
  const h = 60 + rows.length * 26
  const title = `A chat message to the other ${params.MEMBERS - 1} members vs a notify to ${params.MEMBERS} users (${record.started.slice(0, 10)})`
  const detail = `ms until the last has it (${params.ROUNDS} of each, alternating): p50 dark, p99 light; ${m.cores} cores, Node ${m.node}`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="720" height="${h}" viewBox="0 0 720 ${h}" font-family="system-ui, sans-serif" font-size="12">\n<title>${title}</title>\n<rect width="720" height="${h}" fill="#fff"/>\n<text x="10" y="20" font-size="13" font-weight="bold">${title}</text>\n<text x="10" y="38" fill="#555">${detail}</text>\n${bars.join("\n")}\n</svg>\n`
}

const main = async () => {
  if (args.redraw) {
    writeText(
      svgPath ?? join(root, "docs/img/chat-peers.svg"),
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
      for (const kind of KINDS) {
        const r = results[c.name][kind]
        log(
          `  ${kind}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.delivered}/${r.sent} delivered`
        )
      }
    }
  } finally {
    http.close()
  }
  const ratio = (c) => results[c.name].message.p99 / results[c.name].notify.p99
  const caption = `A message to a conversation of ${MEMBERS} members (to the other ${MEMBERS - 1}) beside a notify to ${MEMBERS} users (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version}; ${ROUNDS} of each, alternating, all members on WebSocket${canPin ? "; servers on core 0, clients on core 1" : ""})`
  const cell = (c, kind, key) => `${results[c.name][kind][key].toFixed(1)} ms`
  const rows = [
    `| measure | ${contenders.map((c) => c.short ?? c.label).join(" | ")} |`,
    `| --- | ${contenders.map(() => "---").join(" | ")} |`,
    ...KINDS.flatMap((kind) => [
      `| ${kind} → all (p50) | ${contenders.map((c) => cell(c, kind, "p50")).join(" | ")} |`,
      `| ${kind} → all (p99) | ${contenders.map((c) => cell(c, kind, "p99")).join(" | ")} |`,
      `| server CPU per ${kind} | ${contenders.map((c) => cell(c, kind, "cpuMs")).join(" | ")} |`
    ]),
    `| message p99 ÷ notify p99 (target ≤ 2) | ${contenders.map((c) => `${ratio(c).toFixed(2)}×`).join(" | ")} |`,
    `| delivered (message, notify) | ${contenders.map((c) => KINDS.map((k) => `${results[c.name][k].delivered}/${results[c.name][k].sent}`).join(", ")).join(" | ")} |`
  ]
  console.log(`\n${caption}\n\n${rows.join("\n")}`)
  const complete = contenders.every((c) =>
    KINDS.every((k) => results[c.name][k].delivered === results[c.name][k].sent && !results[c.name][k].errors)
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
    params: { MEMBERS, ROUNDS, WARM },
    contenders: contenders.map(({ name, label, short }) => ({ name, label, short })),
    summary: results,
    ratios: Object.fromEntries(contenders.map((c) => [c.name, ratio(c)])),
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
