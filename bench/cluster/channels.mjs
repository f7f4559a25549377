#!/usr/bin/env node
// Which Redis channels the bus of several nodes should use (issue 11), measured: one notify to
// 10,000 users spread evenly over 3 nodes (3 child processes, each one subscriber connection),
// through a redis-server of its own, in two designs:
//   user: a channel per user that a node subscribes to while it has a session of that user;
//         the publisher pipelines one PUBLISH per recipient, the frame ready to send;
//   bus:  one channel every node subscribes to (what apps/server/src/cluster/bus/redisBus.ts does);
//         one PUBLISH of the call's shared part + users[] + seqs[], each node parses it and
//         builds the frames of its own users.
// Per variant and round: ms from the publish until every node has all its frames, Redis CPU
// (INFO cpu), bytes published and Redis's network bytes (INFO stats), node CPU; medians printed.
// The user variant's SUBSCRIBE cost is measured too. Redis runs on core 0, this process and the
// nodes on core 1. Bounded: a deadline for the run, a time cap per delivery.
// Usage: node bench/cluster/channels.mjs [--smoke] [--users N] [--rounds N] [--json FILE]
//        (the full run writes bench/results/channels.json unless --json names another file)
import { fork } from "node:child_process"
import { cpus, loadavg } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import Redis from "ioredis"
import { fmt, writeJson } from "../peers/report.mjs"
import { canPin, killAll, pinSelf } from "../peers/proc.mjs"
import { BUS_CHANNEL, busMessage, notificationFrame, recipientId, SHARED, userChannel } from "./frames.mjs"
import { startRedis } from "./services.mjs"

const { values: args } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    users: { type: "string" },
    rounds: { type: "string" },
    json: { type: "string" }
  }
})
const p = args.smoke
  ? { users: 300, nodes: 3, rounds: 2, deadlineMin: 2 }
  : { users: 10_000, nodes: 3, rounds: 7, deadlineMin: 10 }
if (args.users) p.users = Number(args.users)
if (args.rounds) p.rounds = Number(args.rounds)
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")
const jsonPath = args.json ?? (args.smoke ? undefined : join(root, "bench/results/channels.json"))
const DELIVERY_CAP_MS = 30_000
const APP = "app_bench"
const log = (msg) => console.error(`[channels] ${msg}`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** A node child process and a request/answer call over its IPC channel. */
const startNode = (url, users) => {
  const child = fork(fileURLToPath(new URL("./node.mjs", import.meta.url)), [], { stdio: "inherit" })
  const pending = new Map()
  const done = []
  let next = 0
  child.on("message", (m) => {
    if (m.type === "done") return done.shift()?.(m)
    const r = pending.get(m.id)
    pending.delete(m.id)
    if (m.error) r?.fail(new Error(m.error))
    else r?.ok(m)
  })
  const call = (type, extra = {}) =>
    new Promise((ok, fail) => {
      const id = next++
      pending.set(id, { ok, fail })
      child.send({ type, id, ...extra })
    })
  return {
    child,
    call,
    /** Arms the node for one delivery; `report` resolves with its `done` (time, CPU). */
    async arm() {
      const report = new Promise((r) => done.push(r))
      await call("arm")
      return { report }
    },
    init: () => call("init", { url, app: APP, users })
  }
}

/** Redis's CPU seconds, network bytes and memory, from INFO. */
const redisInfo = async (redis) => {
  const text = await redis.info()
  const num = (k) => Number(new RegExp(`^${k}:([\\d.]+)`, "m").exec(text)?.[1] ?? Number.NaN)
  return {
    cpu: num("used_cpu_sys") + num("used_cpu_user"),
    netIn: num("total_net_input_bytes"),
    netOut: num("total_net_output_bytes"),
    memory: num("used_memory")
  }
}
const delta = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]))

/** The recipients of the notify (every user), their seqs, and each one's frame. */
const makeCall = (users, round) => {
  const stem = `bench${round}`
  const seqs = users.map((_, i) => 1000 * round + (i % 97) + 1)
  const frames = users.map((u, i) => notificationFrame(seqs[i], recipientId(stem, i), u, SHARED))
  return { stem, seqs, frames }
}

/** One delivery of one call through `variant`; answers the measures of it. */
const deliverOnce = async ({ redis, nodes, users, variant, round }) => {
  const { stem, seqs, frames } = makeCall(users, round)
  // every node armed first; each `report` resolves when that node has all its frames
  const reports = (await Promise.all(nodes.map((n) => n.arm()))).map((a) => a.report)
  const before = await redisInfo(redis)
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  let bytes = 0
  if (variant === "user") {
    const pipeline = redis.pipeline()
    for (let i = 0; i < users.length; i++) {
      const channel = userChannel(APP, users[i])
      bytes += Buffer.byteLength(channel) + Buffer.byteLength(frames[i])
      pipeline.publish(channel, frames[i])
    }
    await pipeline.exec()
  } else {
    const message = busMessage("origin", APP, stem, users, seqs)
    bytes = Buffer.byteLength(BUS_CHANNEL) + Buffer.byteLength(message)
    await redis.publish(BUS_CHANNEL, message)
  }
  const publisherCpu = process.cpuUsage(cpu0)
  const cap = sleep(DELIVERY_CAP_MS).then(() => null)
  const got = await Promise.race([Promise.all(reports), cap])
  if (got === null) throw new Error(`${variant}: not every node had its frames within ${DELIVERY_CAP_MS} ms`)
  const after = await redisInfo(redis)
  const last = got.reduce((m, r) => (BigInt(r.t) > m ? BigInt(r.t) : m), 0n)
  const d = delta(before, after)
  return {
    ms: Number(last - t0) / 1e6,
    redisCpuMs: d.cpu * 1000,
    bytes,
    redisNetIn: d.netIn,
    redisNetOut: d.netOut,
    nodeCpuMs: got.reduce((s, r) => s + r.cpu, 0) / 1000,
    publisherCpuMs: (publisherCpu.user + publisherCpu.system) / 1000
  }
}

/** Subscribes every node to its users' channels at once; answers the cost. */
const subscribeUsers = async (redis, nodes) => {
  const before = await redisInfo(redis)
  const t0 = performance.now()
  const rs = await Promise.all(nodes.map((n) => n.call("subscribeUsers")))
  const ms = performance.now() - t0
  const after = await redisInfo(redis)
  const d = delta(before, after)
  return {
    ms,
    redisCpuMs: d.cpu * 1000,
    nodeCpuMs: rs.reduce((s, r) => s + r.cpu, 0) / 1000,
    redisMemory: d.memory
  }
}

const measure = async () => {
  pinSelf(1)
  const started = new Date().toISOString()
  const loadavgBefore = loadavg()
  const redisServer = await startRedis({ core: 0 })
  const redis = new Redis(redisServer.url)
  const users = Array.from({ length: p.users }, (_, i) => `user-${String(i).padStart(6, "0")}`)
  const nodes = Array.from({ length: p.nodes }, (_, k) =>
    startNode(
      redisServer.url,
      users.filter((_, i) => i % p.nodes === k)
    )
  )
  try {
    await Promise.all(nodes.map((n) => n.init()))
    const rounds = { user: [], bus: [], subscribe: [] }
    // round 0 warms both paths up and is not recorded
    for (let round = 0; round <= p.rounds; round++) {
      const order = round % 2 ? ["user", "bus"] : ["bus", "user"]
      for (const variant of order) {
        let sub
        if (variant === "user") sub = await subscribeUsers(redis, nodes)
        else await Promise.all(nodes.map((n) => n.call("subscribeBus")))
        const r = await deliverOnce({ redis, nodes, users, variant, round })
        await Promise.all(nodes.map((n) => n.call("unsubscribeAll")))
        if (round === 0) continue
        rounds[variant].push(r)
        if (sub) rounds.subscribe.push(sub)
        log(`round ${round}/${p.rounds} ${variant}: ${r.ms.toFixed(1)} ms`)
      }
    }
    const counts = await Promise.all(nodes.map((n) => n.call("count")))
    const received = counts.reduce((s, c) => s + c.total, 0)
    const expected = (p.rounds + 1) * 2 * p.users
    await Promise.all(nodes.map((n) => n.call("quit")))
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
      params: p,
      frameBytes: Buffer.byteLength(makeCall(users, 1).frames[0]),
      received,
      expected,
      complete: received === expected,
      rounds
    }
  } finally {
    redis.disconnect()
    for (const n of nodes) n.child.kill()
    await redisServer.stop()
  }
}

const summarize = (rounds) =>
  Object.fromEntries(
    Object.entries(rounds).map(([k, rs]) => [
      k,
      Object.fromEntries(Object.keys(rs[0] ?? {}).map((m) => [m, median(rs.map((r) => r[m]))]))
    ])
  )

/** The Markdown table of the medians. */
const table = (s, record) => {
  const n = (x) => x.toLocaleString("en-US")
  const kb = (b) => `${fmt(b / 1024)} KB`
  const per = Math.ceil(record.params.users / record.params.nodes)
  const rows = [
    ["every node has all its frames", `${fmt(s.user.ms)} ms`, `${fmt(s.bus.ms)} ms`],
    ["Redis CPU", `${fmt(s.user.redisCpuMs)} ms`, `${fmt(s.bus.redisCpuMs)} ms`],
    ["bytes published (channel + message)", kb(s.user.bytes), kb(s.bus.bytes)],
    [
      "Redis network in / out",
      `${kb(s.user.redisNetIn)} / ${kb(s.user.redisNetOut)}`,
      `${kb(s.bus.redisNetIn)} / ${kb(s.bus.redisNetOut)}`
    ],
    ["node CPU, 3 nodes together", `${fmt(s.user.nodeCpuMs)} ms`, `${fmt(s.bus.nodeCpuMs)} ms`],
    ["publisher CPU", `${fmt(s.user.publisherCpuMs)} ms`, `${fmt(s.bus.publisherCpuMs)} ms`],
    [
      `before it: SUBSCRIBE ${n(per)} channels per node, all 3 at once`,
      `${fmt(s.subscribe.ms)} ms, Redis CPU ${fmt(s.subscribe.redisCpuMs)} ms, Redis memory +${kb(s.subscribe.redisMemory)}`,
      "one SUBSCRIBE per node, once for its life"
    ]
  ]
  return [
    `| one notify to ${n(record.params.users)} users over ${record.params.nodes} nodes | per-user channels | one bus channel |`,
    "| --- | --- | --- |",
    ...rows.map((r) => `| ${r.join(" | ")} |`)
  ].join("\n")
}

const main = async () => {
  const deadline = setTimeout(() => {
    log(`deadline of ${p.deadlineMin} min passed; stopping everything`)
    killAll()
    process.exit(2)
  }, p.deadlineMin * 60_000)
  deadline.unref()
  const record = await measure()
  record.summary = summarize(record.rounds)
  const m = record.machine
  console.log(
    `\nBus channels: medians of ${p.rounds} rounds, frame ${record.frameBytes} B (${m.cpu}, ${m.cores} cores, Node ${m.node}; ${m.pinned ? "Redis on core 0, publisher and nodes on core 1" : "not pinned"})\n`
  )
  console.log(table(record.summary, record))
  console.log(
    record.complete
      ? "\nEvery node got every frame of its users, once."
      : `\nFrames received ${record.received}, expected ${record.expected}.`
  )
  if (jsonPath) writeJson(jsonPath, record, log)
  return record.complete ? 0 : 1
}

process.on("exit", killAll)
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130))
main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e)
    process.exit(1)
  }
)
