// Turns the peers bench's rounds into what people read: medians per contender and workload,
// one Markdown table with PushBack's ratio to socket.io and to raw ws, the JSON record, and an
// SVG bar chart (drawn here as plain SVG text, one small panel per measure).
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")

/** Writes `text` to `path` (making its directory) and logs it. */
export const writeText = (path, text, log) => {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
  log(`wrote ${path}`)
}

/**
 * Writes a bench's record as JSON, laid out as the repository's formatter does, so `pnpm lint`
 * passes on a new record.
 */
export const writeJson = (path, record, log) => {
  writeText(path, `${JSON.stringify(record, null, 2)}\n`, log)
  try {
    execFileSync(join(root, "node_modules/.bin/biome"), ["format", "--write", path], { stdio: "ignore" })
  } catch {} // outside the repository (or no biome): plain JSON.stringify layout
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/**
 * The measures, in table order: `label` for the table, `title` for the chart, `get` picks the
 * value from one round's result.
 */
export const measures = (p) => {
  const n = (x) => x.toLocaleString("en-US")
  const one = `per-user notify, ${p.inflight} in flight to ${n(p.n1)}`
  const fixed = `per-user notify at ${n(p.rate)}/s to ${n(p.n2)}`
  return [
    {
      key: "rate",
      label: `${one}: deliveries/s`,
      title: `${one}: deliveries/s`,
      unit: "/s",
      get: (r) => r.w1.rate
    },
    {
      key: "p50",
      label: "… notify → frame p50",
      title: `${one}: notify → frame p50, ms`,
      unit: "ms",
      get: (r) => r.w1.p50
    },
    {
      key: "p99",
      label: "… notify → frame p99",
      title: `${one}: notify → frame p99, ms`,
      unit: "ms",
      get: (r) => r.w1.p99
    },
    {
      key: "cpu",
      label: "… server CPU per notify call",
      title: `${one}: server CPU per call, µs`,
      unit: "µs",
      get: (r) => r.w1.cpuPerCall
    },
    {
      key: "all1",
      label: `one notify to all ${n(p.n1)}: every socket has it`,
      title: `one notify to all ${n(p.n1)}: ms until every socket has it`,
      unit: "ms",
      get: (r) => r.w2.ms
    },
    {
      key: "all2",
      label: `one notify to all ${n(p.n2)}: every socket has it`,
      title: `one notify to all ${n(p.n2)}: ms until every socket has it`,
      unit: "ms",
      get: (r) => r.w3.ms
    },
    {
      key: "fixedP50",
      label: `${fixed}: notify → frame p50`,
      title: `${fixed}: notify → frame p50, ms`,
      unit: "ms",
      get: (r) => r.w4.p50
    },
    {
      key: "fixedP99",
      label: `${fixed}: notify → frame p99`,
      title: `${fixed}: notify → frame p99, ms`,
      unit: "ms",
      get: (r) => r.w4.p99
    }
  ]
}

/** The groups of the per-thread CPU table, in its order (bench/peers/proc.mjs names them). */
export const THREAD_GROUPS = [
  "main",
  "writer",
  "checkpoints",
  "V8 helpers",
  "libuv pool + other",
  "PostgreSQL",
  "Redis"
]

/**
 * Medians over rounds: {contender: {measureKey: value}}, and for PushBack `threads`: the
 * per-user workload's CPU per call by thread or process group, {group: µs}.
 */
export const summarize = (results, p) => {
  const out = {}
  for (const [name, rounds] of Object.entries(results)) {
    out[name] = {}
    for (const m of measures(p)) out[name][m.key] = median(rounds.map(m.get))
    const split = rounds.map((r) => r.w1.cpuThreads).filter(Boolean)
    if (split.length === 0) continue
    const groups = [...new Set(split.flatMap(Object.keys))]
    out[name].threads = Object.fromEntries(groups.map((g) => [g, median(split.map((t) => t[g] ?? 0))]))
  }
  return out
}

/** Every workload's sent/delivered/errors per contender and round, and whether all arrived. */
export const tally = (results) => {
  const rows = []
  for (const [name, rounds] of Object.entries(results)) {
    rounds.forEach((r, round) => {
      for (const w of ["w1", "w2", "w3", "w4"]) {
        const { sent, delivered, errors = 0, dups = 0, byStatus, firstError } = r[w]
        rows.push({
          contender: name,
          round: round + 1,
          workload: w,
          sent,
          delivered,
          errors,
          dups,
          byStatus,
          firstError
        })
      }
    })
  }
  return { rows, complete: rows.every((r) => r.delivered === r.sent && r.errors === 0 && r.dups === 0) }
}

export const fmt = (v) => {
  if (!Number.isFinite(v)) return "–"
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US")
  if (Math.abs(v) >= 100) return v.toFixed(0)
  if (Math.abs(v) >= 10) return v.toFixed(1)
  return v.toFixed(2)
}
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "–")

/** The Markdown table: one row per measure, one column per contender, then the two ratios. */
export const table = (summary, contenders, p) => {
  const head = ["measure", ...contenders.map((c) => c.label)]
  const ratios = [
    ["pushback", "socketio", "PushBack ÷ socket.io"],
    ["pushback", "ws", "PushBack ÷ raw ws"],
    ["pushback3", "pushback", "PushBack ×3 ÷ PushBack"]
  ].filter(([a, b]) => summary[a] && summary[b])
  const lines = [`| ${[...head, ...ratios.map((r) => r[2])].join(" | ")} |`]
  lines.push(`|${" --- |".repeat(head.length + ratios.length)}`)
  for (const m of measures(p)) {
    const cells = contenders.map((c) => `${fmt(summary[c.name][m.key])} ${m.unit}`)
    const rs = ratios.map(([a, b]) => ratio(summary[a][m.key], summary[b][m.key]))
    lines.push(`| ${[m.label, ...cells, ...rs].join(" | ")} |`)
  }
  return lines.join("\n")
}

/**
 * Where the CPU of a notify call goes, for the contenders that split it (PushBack): one row per
 * thread or process group, in µs per call of the per-user workload, then their sum; empty
 * when no contender has the split (a record from before it was measured).
 */
export const threadTable = (summary, contenders, p) => {
  const split = contenders.filter((c) => summary[c.name]?.threads)
  if (split.length === 0) return ""
  const seen = new Set(split.flatMap((c) => Object.keys(summary[c.name].threads)))
  const groups = [
    ...THREAD_GROUPS.filter((g) => seen.has(g)),
    ...[...seen].filter((g) => !THREAD_GROUPS.includes(g))
  ]
  const head = `server CPU per notify call by thread (per-user notify, ${p.inflight} in flight), µs`
  const lines = [`| ${[head, ...split.map((c) => c.label)].join(" | ")} |`]
  lines.push(`|${" --- |".repeat(split.length + 1)}`)
  const cell = (v) => (v === undefined ? "–" : `${fmt(v)} µs`)
  for (const g of groups)
    lines.push(`| ${[g, ...split.map((c) => cell(summary[c.name].threads[g]))].join(" | ")} |`)
  const total = (c) => Object.values(summary[c.name].threads).reduce((a, b) => a + b, 0)
  lines.push(`| ${["total", ...split.map((c) => cell(total(c)))].join(" | ")} |`)
  return lines.join("\n")
}

/** The same measures as min–max over the rounds, to show how noisy the run was. */
export const spreadTable = (rounds, contenders, p) => {
  const lines = [`| measure, min–max of rounds | ${contenders.map((c) => c.label).join(" | ")} |`]
  lines.push(`|${" --- |".repeat(contenders.length + 1)}`)
  for (const m of measures(p)) {
    const cells = contenders.map((c) => {
      const vs = rounds[c.name].map(m.get).filter(Number.isFinite)
      return vs.length ? `${fmt(Math.min(...vs))}–${fmt(Math.max(...vs))}` : "–"
    })
    lines.push(`| ${[m.unit === "/s" ? m.label : `${m.label} (${m.unit})`, ...cells].join(" | ")} |`)
  }
  return lines.join("\n")
}

const COLORS = {
  pushback: "#d9480f",
  pushbackPg: "#f08c00",
  pushback3: "#c2255c",
  socketio: "#1c7ed6",
  ws: "#2f9e44",
  nchan: "#7048e8"
}
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/** The SVG chart: a panel per measure, a horizontal bar per contender, values printed. */
export const svg = (summary, contenders, p, caption) => {
  const ms = measures(p)
  const cols = 2
  const panelW = 445
  const barH = 16
  const panelH = 34 + contenders.length * (barH + 6)
  const labelW = 105
  const valueW = 80
  const width = cols * panelW + 20
  const height = 46 + Math.ceil(ms.length / cols) * (panelH + 12)
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${esc(caption)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(caption)}</text>`,
    `<text x="10" y="36" fill="#555">medians of ${p.rounds} round(s); deliveries/s: longer is better; times and CPU: shorter is better</text>`
  ]
  ms.forEach((m, k) => {
    const x0 = 10 + (k % cols) * panelW
    const y0 = 46 + Math.floor(k / cols) * (panelH + 12)
    const values = contenders.map((c) => summary[c.name][m.key])
    const max = Math.max(...values.filter(Number.isFinite), 1e-9)
    const span = panelW - labelW - valueW - 20
    out.push(`<text x="${x0}" y="${y0 + 16}" font-weight="bold">${esc(m.title)}</text>`)
    contenders.forEach((c, j) => {
      const y = y0 + 26 + j * (barH + 6)
      const v = values[j]
      const w = Number.isFinite(v) ? Math.max(1, (v / max) * span) : 0
      out.push(
        `<text x="${x0}" y="${y + 12}">${esc(c.short ?? c.label)}</text>`,
        `<rect x="${x0 + labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[c.name] ?? "#888"}"/>`,
        `<text x="${(x0 + labelW + w + 6).toFixed(1)}" y="${y + 12}">${esc(fmt(v))}</text>`
      )
    })
  })
  out.push("</svg>")
  return `${out.join("\n")}\n`
}
