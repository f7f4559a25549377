// Keeps the bus channel measurement working: runs `channels.mjs --smoke` (300 users over 3
// nodes, two rounds of each design, its own redis-server) and checks that every node got every
// frame of its users in every round. Counts only: timings are never asserted.
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { command } from "../../scripts/vitest/command.mjs"

const script = fileURLToPath(new URL("./channels.mjs", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "channels-smoke-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("bench/cluster/channels smoke run", () => {
  it("delivers every frame through both channel designs", async () => {
    const json = join(dir, "channels.json")
    const r = await command(process.execPath, [script, "--smoke", "--json", json], { timeoutMs: 150_000 })
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
    const record = JSON.parse(readFileSync(json, "utf8"))
    expect(record).toMatchObject({ complete: true, received: record.expected })
    expect(record.expected).toBe((record.params.rounds + 1) * 2 * record.params.users)
    for (const variant of ["user", "bus", "subscribe"])
      expect(record.rounds[variant]).toHaveLength(record.params.rounds)
    expect(record.summary.bus.bytes).toBeLessThan(record.summary.user.bytes)
  }, 180_000)
})
