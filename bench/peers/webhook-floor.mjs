#!/usr/bin/env node
// The floor under issue 25's speed target: what one webhook POST costs the sender's core at the
// least — Node's HTTP client with a keep-alive agent, a Standard Webhooks signature (HMAC-SHA256
// of "id.timestamp.body"), a delivered event's JSON, 32 in flight — with no storage, no retry
// bookkeeping and no PushBack at all. The sender runs on core 0 (where the bench pins the
// server), the receiver (servers/webhook-receiver.mjs, which verifies every 100th signature) on
// core 1. Prints µs of CPU per POST for each run; compare with the server CPU per notify of
// run.mjs: unbatched, every delivery is one such POST.
// Usage: node bench/peers/webhook-floor.mjs [--runs 3] [--count 20000]
import { createHmac, randomBytes, randomUUID } from "node:crypto"
import { Agent, request } from "node:http"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { killAll, pinSelf, start, stop } from "./proc.mjs"

const { values: args } = parseArgs({
  options: { runs: { type: "string", default: "3" }, count: { type: "string", default: "20000" } }
})
const INFLIGHT = 32
const key = randomBytes(32)
const secret = `whsec_${key.toString("base64")}`

const post = (agent, port) =>
  new Promise((resolve, reject) => {
    const id = `msg_${randomUUID()}`
    const ts = String(Math.floor(Date.now() / 1000))
    const at = new Date().toISOString()
    const body = JSON.stringify({
      type: "notification.delivered",
      timestamp: at,
      data: { app: "app_bench", user: "u0001", notification: "ntf_0123456789abcdef", at }
    })
    const signature = createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64")
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/hook",
        agent,
        headers: {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": ts,
          "webhook-signature": `v1,${signature}`
        }
      },
      (res) => {
        res.resume()
        res.on("end", () =>
          res.statusCode === 204 ? resolve() : reject(new Error(`answered ${res.statusCode}`))
        )
      }
    )
    req.on("error", reject)
    req.end(body)
  })

/** `count` POSTs, `INFLIGHT` at a time; the CPU of this process per POST, in µs. */
const run = async (port, count) => {
  const agent = new Agent({ keepAlive: true, maxSockets: INFLIGHT })
  let left = count
  const worker = async () => {
    while (left > 0) {
      left--
      await post(agent, port)
    }
  }
  const before = process.cpuUsage()
  await Promise.all(Array.from({ length: INFLIGHT }, worker))
  const used = process.cpuUsage(before)
  agent.destroy()
  return (used.user + used.system) / count
}

pinSelf(0)
const receiver = fileURLToPath(new URL("./servers/webhook-receiver.mjs", import.meta.url))
const { child, match } = await start(process.execPath, [receiver], {
  core: 1,
  ready: /http:\/\/127\.0\.0\.1:(\d+)/
})
try {
  child.stdin.write(`${secret}\n`)
  const port = Number(match[1])
  await run(port, 1000) // warm-up: JIT, sockets
  for (let i = 1; i <= Number(args.runs); i++) {
    const us = await run(port, Number(args.count))
    console.log(`run ${i}: ${args.count} webhook POSTs, ${us.toFixed(1)} µs of the sender's CPU each`)
  }
  const counts = await fetch(`http://127.0.0.1:${port}/count`).then((r) => r.json())
  if (counts.bad > 0 || counts.checked === 0) throw new Error(`receiver: ${JSON.stringify(counts)}`)
  console.log(`receiver checked ${counts.checked} signatures, all good`)
} finally {
  await stop(child)
  killAll()
}
