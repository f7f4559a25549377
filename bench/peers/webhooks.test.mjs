// Keeps bench/peers/webhooks.mjs working: a small run on SQLite (50 users, 300 calls, one round)
// without and with an endpoint on notification.delivered, checking that every delivered
// notification's webhook reached the receiver, signed (the receiver checks a sample), and that
// the record holds both variants; and bench/peers/webhook-floor.mjs (a few bare signed POSTs
// the receiver verifies). Counts only: timings are never asserted.
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { runScript } from "./proc.mjs"
import { afterAll, describe, expect, it } from "vitest"

const dir = mkdtempSync(join(tmpdir(), "webhooks-smoke-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("bench/peers webhooks smoke run", () => {
  it("sends a signed webhook for every delivered notification, and records both variants", async () => {
    const json = join(dir, "webhooks.json")
    const bench = fileURLToPath(new URL("./webhooks.mjs", import.meta.url))
    const args = ["--rounds", "1", "--count", "300", "--users", "50", "--only", "pushback", "--json", json]
    const result = await runScript(bench, args, 120_000)
    expect(result.status, result.output).toBe(0)
    const record = JSON.parse(readFileSync(json, "utf8"))
    const [hooked] = record.rounds.pushback.with
    expect(hooked.events).toBe(300)
    expect(hooked.checked).toBeGreaterThan(0)
    expect(record.rounds.pushback.without).toHaveLength(1)
    for (const variant of ["without", "with"]) {
      expect(record.summary.pushback[variant].cpuPerCall, variant).toBeGreaterThan(0)
    }
  }, 150_000)

  it("webhook-floor.mjs: bare signed POSTs, every sampled signature good", async () => {
    const floor = fileURLToPath(new URL("./webhook-floor.mjs", import.meta.url))
    const result = await runScript(floor, ["--runs", "1", "--count", "300"], 60_000)
    expect(result.status, result.output).toBe(0)
    expect(result.output).toMatch(/run 1: 300 webhook POSTs, [\d.]+ µs/)
    expect(result.output).toMatch(/receiver checked \d+ signatures, all good/)
  }, 90_000)
})
