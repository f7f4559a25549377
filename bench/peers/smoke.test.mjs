// Keeps the peers benchmark working: runs `run.mjs --smoke` (about 50 clients, a few hundred
// calls, one round, every contender: PushBack on SQLite, on PostgreSQL and as 3 nodes with
// PostgreSQL + Redis, and nginx + nchan among the peers) and checks that every contender
// delivered every message of every workload, and that PushBack's CPU is split by thread (main,
// writer, …; PostgreSQL and Redis apart). Counts only: timings are never asserted.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { runScript } from "./proc.mjs"
import { afterAll, describe, expect, it } from "vitest"

const run = fileURLToPath(new URL("./run.mjs", import.meta.url))
const cli = fileURLToPath(new URL("../../apps/server/dist/cli.js", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "peers-smoke-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the bench; SIGTERM after `timeoutMs` (it then stops everything it started). */
const runSmoke = (args, timeoutMs = 480_000) => runScript(run, args, timeoutMs)

describe("bench/peers smoke run", () => {
  it("delivers every message for every contender", async () => {
    expect(existsSync(cli), "build the server first (pnpm build)").toBe(true)
    const json = join(dir, "peers.json")
    const svg = join(dir, "peers.svg")
    const result = await runSmoke(["--smoke", "--json", json, "--svg", svg])
    expect(result.status, result.output).toBe(0)
    const record = JSON.parse(readFileSync(json, "utf8"))
    const names = ["pushback", "pushbackPg", "pushback3", "socketio", "ws", "nchan"]
    expect(record.contenders.map((c) => c.name)).toEqual(names)
    for (const row of record.counts) {
      expect(row, JSON.stringify(row)).toMatchObject({ delivered: row.sent, errors: 0, dups: 0 })
      expect(row.sent).toBeGreaterThan(0)
    }
    expect(record.counts).toHaveLength(names.length * 4)
    expect(record.complete).toBe(true)
    // PushBack's CPU split by thread and process (which groups exist, never how much they took)
    const groups = (name) => Object.keys(record.summary[name].threads ?? {})
    expect(groups("pushback")).toEqual(expect.arrayContaining(["main", "writer", "V8 helpers"]))
    expect(groups("pushbackPg")).toEqual(expect.arrayContaining(["main", "PostgreSQL"]))
    expect(groups("pushbackPg")).not.toContain("writer")
    expect(groups("pushback3")).toEqual(expect.arrayContaining(["main", "PostgreSQL", "Redis"]))
    expect(record.summary.socketio.threads).toBeUndefined()
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\n$/)
  }, 540_000)
})

describe("bench/peers stored smoke run", () => {
  it("measures both stores on an empty database and with notifications stored, losing nothing", async () => {
    const json = join(dir, "stored.json")
    const svg = join(dir, "stored.svg")
    const stored = fileURLToPath(new URL("./stored.mjs", import.meta.url))
    const result = await runScript(
      stored,
      ["--users", "50", "--stored", "2000", "--count", "300", "--rounds", "1", "--json", json, "--svg", svg],
      240_000
    )
    expect(result.status, result.output).toBe(0)
    expect(result.output).toContain("stored 2000 notifications")
    const record = JSON.parse(readFileSync(json, "utf8"))
    for (const name of ["pushback", "pushbackPg"]) {
      for (const state of ["empty", "stored"]) {
        const s = record.summary[name][state]
        expect(s.rate, `${name} ${state}`).toBeGreaterThan(0)
        expect(s.broadcastMs, `${name} ${state}`).toBeGreaterThan(0)
      }
    }
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\n$/)
  }, 300_000)
})

describe("bench/peers topics smoke run", () => {
  it("notifies a topic on both stores and reports every subscriber stored", async () => {
    const json = join(dir, "topics.json")
    const topics = fileURLToPath(new URL("./topics.mjs", import.meta.url))
    const result = await runScript(topics, ["--subscribers", "2000", "--calls", "1", "--json", json], 180_000)
    expect(result.status, result.output).toBe(0)
    const record = JSON.parse(readFileSync(json, "utf8"))
    for (const name of ["pushback", "pushbackPg"]) {
      expect(record.summary[name].ms, name).toBeGreaterThan(0)
      expect(record.calls[name]).toHaveLength(1)
    }
  }, 240_000)
})
