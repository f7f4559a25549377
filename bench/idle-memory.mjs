#!/usr/bin/env node
// Memory per idle WebSocket session: PushBack against a bare `ws` server, side by side in
// one run. Opens N sessions on 127.0.0.1, lets the servers settle, and compares the server
// processes' resident memory (read from /proc) before and after. Bounded: N sockets, once.
// Usage: node bench/idle-memory.mjs [N=2000]   (after `pnpm build`)
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import WebSocket from "ws"

const N = Number(process.argv[2] ?? 2000)
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..")
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const start = (args, env = {}) =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout.on("data", (c) => {
      out += c
      const m = /(?:ready on|listening on) http:\/\/[^:]+:(\d+)/.exec(out)
      if (m) done({ child, port: Number(m[1]) })
    })
    child.once("exit", (code) => fail(new Error(`exited ${code}: ${out}`)))
  })

const openAll = async (urlOf) => {
  const sockets = []
  for (let i = 0; i < N; i += 100) {
    const batch = []
    for (let j = i; j < Math.min(N, i + 100); j++) {
      batch.push(
        new Promise((done, fail) => {
          const ws = new WebSocket(urlOf(j))
          ws.once("message", () => done(ws))
          ws.once("error", fail)
        })
      )
    }
    sockets.push(...(await Promise.all(batch)))
  }
  return sockets
}

const measure = async (name, child, urlOf) => {
  await sleep(1000)
  const before = rss(child.pid)
  const sockets = await openAll(urlOf)
  await sleep(2000)
  const after = rss(child.pid)
  for (const s of sockets) s.terminate()
  child.kill("SIGKILL")
  return { name, perSession: (after - before) / N }
}

const bare = `
const { WebSocketServer } = require(${JSON.stringify(join(root, "apps/server/node_modules/ws"))})
const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" }, () => console.log("listening on http://127.0.0.1:" + wss.address().port))
wss.on("connection", (ws) => ws.send('{"type":"welcome"}'))`

const dir = mkdtempSync(join(tmpdir(), "pushback-bench-"))
try {
  const results = []
  const b = await start(["-e", bare])
  results.push(await measure("bare ws", b.child, () => `ws://127.0.0.1:${b.port}/`))

  const pb = await start(
    [
      join(root, "apps/server/dist/cli.js"),
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--db",
      `sqlite:${join(dir, "pb.db")}`
    ],
    {
      PUSHBACK_ADMIN_TOKEN: "bench-admin-token"
    }
  )
  const base = `http://127.0.0.1:${pb.port}`
  const post = (path, token, body) =>
    fetch(base + path, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(body)
    }).then((r) => r.json())
  const app = await post("/v1/apps", "bench-admin-token", { name: "bench" })
  const tokens = []
  for (let i = 0; i < N; i++) tokens.push((await post("/v1/tokens", app.secret, { user: `u${i}` })).token)
  results.push(
    await measure("pushback", pb.child, (i) => `ws://127.0.0.1:${pb.port}/v1/ws?token=${tokens[i]}`)
  )

  console.log(`\nIdle WebSocket sessions: ${N}, Node ${process.version}\n`)
  console.log("| server | memory per idle session |")
  console.log("|---|---|")
  for (const r of results) console.log(`| ${r.name} | ${(r.perSession / 1024).toFixed(1)} KB |`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
