// The load generator of the peers bench, the same for every contender: one keep-alive HTTP
// pusher, a tracker that timestamps every payload a client socket receives, and the four
// workloads. Payloads are {w, i} (one user) or {w, b} (everyone); `w` names the workload
// run, so a late frame from an earlier one is never counted. Everything is bounded: a fixed
// number of calls, a time cap, and a drain deadline after which what is missing is lost.
import { Agent, request } from "node:http"
import { cpuByThread, cpuDelta, cpuMicros } from "./proc.mjs"

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const pct = (sorted, p) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
const DRAIN_MS = 15_000
const cpuOf = (pids) => pids.reduce((sum, pid) => sum + cpuMicros(pid), 0)

/**
 * The HTTP pusher: POSTs over at most `maxSockets` keep-alive connections to 127.0.0.1, to the
 * port given or the one the request names (a contender of several nodes spreads its calls).
 * A request sent on a reused connection that the server closed as idle at that very moment
 * (its keep-alive timeout) fails with ECONNRESET before the server read it; such a request is
 * sent again once, on a new connection, as Node's documentation advises (`req.reusedSocket`).
 * A node left idle for a while (the others took the calls) would otherwise count as an error.
 */
export const makeHttp = (maxSockets = 256) => {
  const agent = new Agent({ keepAlive: true, maxSockets })
  const call = (defaultPort, { port = defaultPort, path, body, headers }, retried = false) =>
    new Promise((resolve) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path,
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            ...headers
          }
        },
        (res) => {
          const chunks = []
          res.on("data", (c) => chunks.push(c))
          res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }))
        }
      )
      req.on("error", (e) => {
        if (!retried && req.reusedSocket && e.code === "ECONNRESET")
          resolve(call(defaultPort, { port, path, body, headers }, true))
        else resolve({ status: 0, text: String(e) })
      })
      req.end(body)
    })
  return {
    call,
    /** A call that must answer 2xx with JSON; throws otherwise. */
    async json(port, req) {
      const { status, text } = await call(port, req)
      if (status < 200 || status > 299)
        throw new Error(`${req.path} answered ${status}: ${text.slice(0, 300)}`)
      return JSON.parse(text)
    },
    close: () => agent.destroy()
  }
}

/** Receives every payload from every client socket and keeps the counts and times. */
export const makeTracker = () => {
  let run = 0
  let sent = new Float64Array(0)
  let got = new Float64Array(0)
  let received = 0
  let dups = 0
  let last = 0
  let bcast = { id: -1, left: 0, done: () => {} }
  return {
    onPayload(p) {
      if (p?.w !== run) return
      const now = performance.now()
      if (p.b !== undefined) {
        if (p.b === bcast.id && --bcast.left === 0) bcast.done(now)
        return
      }
      if (got[p.i] !== 0) dups++
      else {
        got[p.i] = now
        received++
        last = now
      }
    },
    /** Starts a run of `count` one-user calls; returns its workload tag. */
    begin(count) {
      run++
      sent = new Float64Array(count)
      got = new Float64Array(count)
      received = dups = last = 0
      return run
    },
    stamp: (i, t) => {
      sent[i] = t
    },
    /** Waits until every sent call is received, or the drain deadline; returns the tallies. */
    async drain(sentCount) {
      const deadline = performance.now() + DRAIN_MS
      while (received < sentCount && performance.now() < deadline) await sleep(5)
      const lat = []
      for (let i = 0; i < sentCount; i++) if (got[i] !== 0) lat.push(got[i] - sent[i])
      lat.sort((a, b) => a - b)
      return { received, dups, last, p50: pct(lat, 0.5), p99: pct(lat, 0.99) }
    },
    /** Starts a broadcast run expecting `n` receipts; resolves with the time of the last one. */
    expectBroadcast(n) {
      run++
      const id = run
      let left
      const whenAll = new Promise((done) => {
        bcast = { id, left: n, done }
        left = () => bcast.left
      })
      return { w: run, b: id, whenAll, left }
    }
  }
}

const is2xx = (s) => s >= 200 && s < 300

/** Counts answers that are not 2xx, by status, keeping the first one's text. */
const failures = () => {
  let errors = 0
  let firstError
  const byStatus = {}
  return {
    check: ({ status, text }) => {
      if (is2xx(status)) return
      errors++
      byStatus[status] = (byStatus[status] ?? 0) + 1
      firstError ??= `${status} ${text.slice(0, 200)}`
    },
    summary: () => (errors ? { errors, byStatus, firstError } : { errors })
  }
}

/**
 * Workload 1: `count` one-user calls (or `maxMs`, whichever ends first) with `inflight` calls
 * in flight, each to the next user in a fixed stride. Deliveries/s, latency and the server's CPU
 * per call; for a contender that names its processes' roles (`inst.procs`), that CPU per call
 * split by thread and process (`cpuThreads`: main, writer, V8 helpers, …, PostgreSQL, Redis).
 */
export const perUser = async ({ inst, http, tracker, users, count, inflight, maxMs }) => {
  const w = tracker.begin(count)
  const threads0 = inst.procs && cpuByThread(inst.procs)
  const cpu0 = cpuOf(inst.pids)
  const t0 = performance.now()
  const stopAt = t0 + maxMs
  let next = 0
  const failed = failures()
  const worker = async () => {
    while (next < count && performance.now() < stopAt) {
      const i = next++
      tracker.stamp(i, performance.now())
      failed.check(await http.call(inst.port, inst.unicast(users[(i * 7919) % users.length], { w, i })))
    }
  }
  await Promise.all(Array.from({ length: inflight }, worker))
  const sentCount = next
  const r = await tracker.drain(sentCount)
  const cpu = cpuOf(inst.pids) - cpu0
  const threads = threads0 && cpuDelta(threads0, cpuByThread(inst.procs, threads0))
  const seconds = (r.last - t0) / 1000
  return {
    sent: sentCount,
    delivered: r.received,
    dups: r.dups,
    ...failed.summary(),
    rate: r.received / seconds,
    p50: r.p50,
    p99: r.p99,
    cpuPerCall: cpu / sentCount,
    ...(threads && {
      cpuThreads: Object.fromEntries(Object.entries(threads).map(([g, us]) => [g, us / sentCount]))
    })
  }
}

/** Workloads 2 and 3: one call to every connected user; ms until the last socket has it. */
export const broadcastAll = async ({ inst, http, tracker, n }) => {
  const { w, b, whenAll, left } = tracker.expectBroadcast(n)
  const t0 = performance.now()
  const answer = http.call(inst.port, inst.broadcast({ w, b }))
  const timeout = sleep(DRAIN_MS).then(() => Number.NaN)
  const tAll = await Promise.race([whenAll, timeout])
  const { status } = await answer
  return { sent: n, delivered: n - left(), errors: is2xx(status) ? 0 : 1, ms: tAll - t0 }
}

/**
 * Workload 4: `count` one-user calls at a fixed `rate`, sent on schedule whatever the answers
 * do (open loop); latency is counted from each call's scheduled time, so a server that falls
 * behind shows it.
 */
export const fixedRate = async ({ inst, http, tracker, users, count, rate }) => {
  const w = tracker.begin(count)
  const t0 = performance.now() + 10
  const answers = []
  const failed = failures()
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate
    if (due - performance.now() > 1) await sleep(due - performance.now())
    tracker.stamp(i, Math.min(due, performance.now())) // late: from when it was due; early: from now
    const user = users[(i * 7919) % users.length]
    answers.push(http.call(inst.port, inst.unicast(user, { w, i })).then(failed.check))
  }
  const tSent = performance.now()
  await Promise.all(answers)
  const r = await tracker.drain(count)
  return {
    sent: count,
    delivered: r.received,
    dups: r.dups,
    ...failed.summary(),
    achievedRate: count / ((tSent - t0) / 1000),
    p50: r.p50,
    p99: r.p99
  }
}
