#!/usr/bin/env node
// Delivery speed with many connected users, against the real server on 127.0.0.1:
//  1. fan-out: one notify to every user; time until every session has it;
//  2. latency: notify calls at a fixed rate to random users; notify sent → frame received.
// Bounded: N sockets, one broadcast, RATE × SECONDS notify calls. Prints a table.
// Usage: node bench/delivery.mjs [N=10000] [RATE=1000] [SECONDS=5]   (after `pnpm build`)
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import WebSocket from "ws"

const N = Number(process.argv[2] ?? 10_000)
const RATE = Number(process.argv[3] ?? 1000)
const SECONDS = Number(process.argv[4] ?? 5)
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..")
const dir = mkdtempSync(join(tmpdir(), "pushback-bench-"))
const ADMIN = "bench-admin-token"
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]

// PUSHBACK_BENCH_PROFILE=DIR writes a CPU profile of the server there (read it in Chrome DevTools).
const profile = process.env.PUSHBACK_BENCH_PROFILE
const server = spawn(
  process.execPath,
  [
    ...(profile ? ["--cpu-prof", "--cpu-prof-dir", profile] : []),
    join(root, "apps/server/dist/cli.js"),
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--db",
    `sqlite:${join(dir, "pb.db")}`
  ],
  { env: { ...process.env, PUSHBACK_ADMIN_TOKEN: ADMIN }, stdio: ["ignore", "pipe", "inherit"] }
)
try {
  const port = await new Promise((done) => {
    let out = ""
    server.stdout.on("data", (c) => {
      out += c
      const m = /ready on http:\/\/[^:]+:(\d+)/.exec(out)
      if (m) done(Number(m[1]))
    })
  })
  const base = `http://127.0.0.1:${port}`
  const call = (path, token, body) =>
    fetch(base + path, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(body)
    }).then((r) => r.json())
  const app = await call("/v1/apps", ADMIN, { name: "bench" })
  const users = Array.from({ length: N }, (_, i) => `u${i}`)
  for (let i = 0; i < N; i += 5000) await call("/v1/users", app.secret, { users: users.slice(i, i + 5000) })
  console.error(`[bench] ${N} users registered; connecting…`)

  const received = new Map() // content id → time received
  let fanoutLeft = N
  let fanoutDone
  const fanout = new Promise((r) => {
    fanoutDone = r
  })
  const sockets = []
  for (let i = 0; i < N; i += 200) {
    const batch = users.slice(i, i + 200).map(async (user) => {
      const { token } = await call("/v1/tokens", app.secret, { user, ttlSeconds: 3600 })
      return new Promise((done, fail) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws?token=${token}`)
        ws.on("message", (data) => {
          const frame = JSON.parse(data)
          if (frame.type === "welcome") return done(ws)
          const c = frame.notification?.content
          if (c?.kind === "fanout" && --fanoutLeft === 0) fanoutDone(performance.now())
          if (c?.kind === "latency") received.set(c.id, performance.now())
        })
        ws.once("error", fail)
      })
    })
    sockets.push(...(await Promise.all(batch)))
  }
  console.error(`[bench] ${sockets.length} sessions connected; fan-out…`)

  const t0 = performance.now()
  const answer = await call("/v1/notify", app.secret, { content: { kind: "fanout" } })
  const tAnswered = performance.now()
  const tAll = await fanout
  console.error(`[bench] fan-out to ${answer.recipients} done; latency at ${RATE}/s for ${SECONDS}s…`)

  const sent = new Map()
  const total = RATE * SECONDS
  const startAt = performance.now()
  const inflight = []
  for (let i = 0; i < total; i++) {
    const due = startAt + (i * 1000) / RATE
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    sent.set(i, performance.now())
    inflight.push(
      call("/v1/notify", app.secret, { users: [users[(i * 7919) % N]], content: { kind: "latency", id: i } })
    )
  }
  await Promise.all(inflight)
  await new Promise((r) => setTimeout(r, 500))
  const lat = [...sent]
    .filter(([id]) => received.has(id))
    .map(([id, t]) => received.get(id) - t)
    .sort((a, b) => a - b)
  const achieved = total / ((performance.now() - startAt - 500) / 1000)

  console.log(
    `\nDelivery with ${N} connected users (Node ${process.version}, 127.0.0.1, server and clients on one 2-core machine)\n`
  )
  console.log("| measure | result | target |")
  console.log("|---|---|---|")
  console.log(`| one notify to all ${N}: answered (stored) | ${(tAnswered - t0).toFixed(0)} ms | |`)
  console.log(`| one notify to all ${N}: every session has it | ${(tAll - t0).toFixed(0)} ms | < 500 ms |`)
  console.log(
    `| notify→receive p50 at ${RATE}/s (achieved ${achieved.toFixed(0)}/s) | ${pct(lat, 0.5).toFixed(1)} ms | |`
  )
  console.log(`| notify→receive p99 | ${pct(lat, 0.99).toFixed(1)} ms | < 10 ms |`)
  console.log(`| delivered | ${lat.length}/${total} | all |`)
  for (const s of sockets) s.terminate()
} finally {
  server.kill("SIGTERM")
  await new Promise((r) => server.once("exit", r))
  rmSync(dir, { recursive: true, force: true })
}
