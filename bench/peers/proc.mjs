// Process plumbing for the peers bench: start a server pinned to a core, wait for the line it
// prints when ready, read its CPU time from /proc, and stop it. Every process started here is
// tracked, so whatever happens (an exception, a signal, a deadline) `killAll` ends them all.
import { execFileSync, spawn } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { createServer } from "node:net"
import { cpus } from "node:os"

const live = new Set()
let clockTicks = 100
try {
  clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" })) || 100
} catch {}

/**
 * True when this machine can run the servers on core 0 and the load on core 1. Counts the
 * machine's cores, not this process's affinity (the load generator itself runs pinned).
 */
export const canPin = cpus().length >= 2 && existsSync("/usr/bin/taskset")

/**
 * Starts `cmd args` (under `taskset -c CORE` when pinning is possible) and resolves with
 * `{child, match}` once a line of its output matches `ready`; rejects if it exits first or
 * after `timeoutMs`. stdin stays a pipe: the peer servers exit when it closes.
 */
export const start = (cmd, args, { core, ready, env = {}, timeoutMs = 20_000 }) =>
  new Promise((resolve, reject) => {
    const [file, argv] = canPin ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args]
    const child = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] })
    live.add(child)
    child.once("exit", () => live.delete(child))
    let out = ""
    let done = !ready
    // Either stream may carry the ready line (PostgreSQL logs to stderr); both keep draining
    // after ready, so no pipe ever fills.
    const onOutput = (c) => {
      out = (out + c).slice(-20_000)
      const m = done ? null : ready.exec(out)
      if (m) {
        done = true
        clearTimeout(timer)
        resolve({ child, match: m })
      }
    }
    child.stdout.on("data", onOutput)
    child.stderr.on("data", onOutput)
    child.once("error", reject)
    child.once("exit", (code, signal) => reject(new Error(`${cmd} exited (${code ?? signal}): ${out}`)))
    if (!ready) return resolve({ child, match: null })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${cmd} not ready after ${timeoutMs} ms: ${out}`))
    }, timeoutMs)
  })

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export const stop = (child, graceMs = 3000) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => killTree(child.pid), graceMs)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    child.stdin?.end()
    child.kill("SIGTERM")
  })

/** Kills every process still running that this module started (synchronous, for exit paths). */
export const killAll = () => {
  for (const child of live) killTree(child.pid)
  live.clear()
}

/** SIGKILL to a process and its descendants (nginx's workers outlive a killed master). */
const killTree = (pid) => {
  for (const p of descendants(pid)) {
    try {
      process.kill(p, "SIGKILL")
    } catch {}
  }
}

const descendants = (pid) => {
  let kids = []
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean)
  } catch {}
  return [pid, ...kids.flatMap((k) => descendants(Number(k)))]
}

/**
 * Runs this process, its threads and whatever it starts from now on, on `core` (when pinning
 * is possible). For benches that pin themselves instead of re-running under taskset.
 */
export const pinSelf = (core) => {
  if (canPin)
    execFileSync("taskset", ["-a", "-p", "-c", String(core), String(process.pid)], { stdio: "ignore" })
}

/** CPU time (user + system, in microseconds) of a process and all its descendants. */
export const cpuMicros = (pid) => {
  let ticks = 0
  for (const p of descendants(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8")
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      ticks += Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15)
    } catch {}
  }
  return (ticks * 1e6) / clockTicks
}

/** Kernel ticks of user + system time from a /proc stat line. */
const statTicks = (stat) => {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return { ticks: Number(fields[11]) + Number(fields[12]), start: Number(fields[19]) }
}
const read = (path) => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}
// epoll_wait / epoll_pwait on x86_64 (232, 281) and epoll_pwait on arm64 (22): a thread parked
// there runs an event loop of its own (a worker thread, or V8's delayed-task scheduler).
const EPOLL = new Set(["232", "281", "22"])
const V8_PLATFORM = 5 // Node's default platform: a delayed-task scheduler and 4 workers

/**
 * Names the threads of a Node process by role: "main" (tid = pid), "writer" and "checkpoints"
 * (the worker threads of SQLite's writer and of its checkpointer, which the writer starts after
 * it), "V8 helpers" and "libuv pool + other". Node 22+ names its threads ("V8 DefaultWorke",
 * "libuv-worker", …), Node 20 names them all "node": then roles come from the order threads
 * start in (the platform's 5 threads come first) and where each is parked (a worker thread
 * waits in epoll, the pools on futexes). A worker thread is found in epoll in at least one of
 * SAMPLES looks 5 ms apart: a writer busy with the last workload's receipts still parks there
 * between commits.
 */
const SAMPLES = 20
const threadRoles = (pid) => {
  const parked = new Set()
  for (let i = 0; i < SAMPLES; i++) {
    for (const tid of listTasks(pid)) {
      const syscall = (read(`/proc/${pid}/task/${tid}/syscall`) ?? "").split(" ")[0]
      if (EPOLL.has(syscall)) parked.add(tid)
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
  }
  const tids = listTasks(pid)
    .map((tid) => {
      const stat = read(`/proc/${pid}/task/${tid}/stat`)
      if (!stat) return undefined
      const comm = (read(`/proc/${pid}/task/${tid}/comm`) ?? "").trim()
      return { tid, comm, epoll: parked.has(tid), start: statTicks(stat).start }
    })
    .filter(Boolean)
    .sort((a, b) => a.start - b.start || a.tid - b.tid)
  const mainComm = tids.find((t) => t.tid === pid)?.comm
  const roles = new Map()
  let order = 0
  let workers = 0
  const worker = () => (workers++ === 0 ? "writer" : "checkpoints")
  for (const t of tids) {
    if (t.tid === pid) roles.set(t.tid, "main")
    else if (/^V8 /.test(t.comm)) roles.set(t.tid, "V8 helpers")
    else if (/libuv/.test(t.comm)) roles.set(t.tid, "libuv pool + other")
    else if (t.comm !== mainComm) roles.set(t.tid, t.epoll ? worker() : "libuv pool + other")
    else if (order++ < V8_PLATFORM) roles.set(t.tid, "V8 helpers")
    else roles.set(t.tid, t.epoll ? worker() : "libuv pool + other")
  }
  return roles
}

const listTasks = (pid) => {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number)
  } catch {
    return []
  }
}

/**
 * A snapshot of where CPU time went so far: for each `{pid, role}` a Node process's threads by
 * role (see threadRoles), anything else (PostgreSQL, Redis) whole, with its descendants. Pass the
 * previous snapshot to keep the roles it gave (a thread started since counts as "other").
 * Answers {roles, micros: {group: µs}, threads: Map<"pid/tid", {group, micros}>}.
 */
export const cpuByThread = (procs, before) => {
  const threads = new Map()
  const micros = {}
  const add = (group, us) => {
    micros[group] = (micros[group] ?? 0) + us
  }
  const roles =
    before?.roles ?? new Map(procs.filter((p) => p.role === "node").map((p) => [p.pid, threadRoles(p.pid)]))
  for (const { pid, role } of procs) {
    if (role !== "node") {
      add(role, cpuMicros(pid))
      continue
    }
    const known = roles.get(pid) ?? new Map()
    for (const tid of listTasks(pid)) {
      const stat = read(`/proc/${pid}/task/${tid}/stat`)
      if (!stat) continue
      const group = known.get(tid) ?? "libuv pool + other"
      threads.set(`${pid}/${tid}`, { group, micros: (statTicks(stat).ticks * 1e6) / clockTicks })
    }
  }
  return { roles, micros, threads }
}

/** CPU per group between two cpuByThread snapshots: {group: µs}. */
export const cpuDelta = (before, after) => {
  const out = {}
  for (const [key, t] of after.threads) {
    out[t.group] = (out[t.group] ?? 0) + t.micros - (before.threads.get(key)?.micros ?? 0)
  }
  for (const [group, us] of Object.entries(after.micros))
    out[group] = (out[group] ?? 0) + us - (before.micros[group] ?? 0)
  return out
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for servers that cannot take port 0). */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })

/**
 * Runs a bench script to its end (the smoke tests): `{status, output}`, stdout and stderr
 * together; SIGTERM after `timeoutMs` (a bench then stops everything it started). stdin stays a
 * pipe, the lifeline run.mjs's pinned child watches.
 */
export const runScript = (file, args, timeoutMs) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: ["pipe", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (c) => {
      output += c
    })
    child.stderr.on("data", (c) => {
      output += c
    })
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs)
    child.on("exit", (status) => {
      clearTimeout(timer)
      resolve({ status, output })
    })
  })
