// Keeps the chat bench working: `chat.mjs --smoke` (a conversation of 20 members on WebSocket,
// PushBack on SQLite, 10 messages and 10 notifies) must deliver every message to every other
// member and every notification to everyone, and write its record and chart. Counts only:
// timings are never asserted (the bench's target is read from a full run, docs/benchmarks.md).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { runScript } from "./proc.mjs"
import { afterAll, expect, it } from "vitest"

const bench = fileURLToPath(new URL("./chat.mjs", import.meta.url))
const cli = fileURLToPath(new URL("../../apps/server/dist/cli.js", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "chat-smoke-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it("delivers every message to the other members and every notify to all, and writes its record", async () => {
  expect(existsSync(cli), "build the server first (pnpm build)").toBe(true)
  const json = join(dir, "chat.json")
  const svg = join(dir, "chat.svg")
  const { status, output } = await runScript(bench, ["--smoke", "--json", json, "--svg", svg], 25_000)
  expect(status, output).toBe(0)
  const record = JSON.parse(readFileSync(json, "utf8"))
  expect(record.contenders.map((c) => c.name)).toEqual(["pushback"])
  expect(record.summary.pushback.message).toMatchObject({ delivered: 190, sent: 190, errors: 0 })
  expect(record.summary.pushback.notify).toMatchObject({ delivered: 200, sent: 200, errors: 0 })
  expect(record.complete).toBe(true)
  expect(output).toContain("message p99 ÷ notify p99")
  expect(readFileSync(svg, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\n$/)
}, 30_000)
