// Keeps the channels bench working: `channels.mjs --smoke` (50 subscribers, a few publications,
// PushBack and socket.io) must deliver every publication to every subscriber and write its
// record and chart. Counts only: timings are never asserted.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { runScript } from "./proc.mjs"
import { afterAll, expect, it } from "vitest"

const bench = fileURLToPath(new URL("./channels.mjs", import.meta.url))
const cli = fileURLToPath(new URL("../../apps/server/dist/cli.js", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "channels-smoke-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it("delivers every publication to every subscriber, for PushBack and socket.io", async () => {
  expect(existsSync(cli), "build the server first (pnpm build)").toBe(true)
  const json = join(dir, "channels.json")
  const svg = join(dir, "channels.svg")
  const { status, output } = await runScript(bench, ["--smoke", "--json", json, "--svg", svg], 50_000)
  expect(status, output).toBe(0)
  const record = JSON.parse(readFileSync(json, "utf8"))
  expect(record.contenders.map((c) => c.name)).toEqual(["pushback", "socketio"])
  for (const name of ["pushback", "socketio"]) {
    expect(record.summary[name], name).toMatchObject({ delivered: 250, sent: 250, errors: 0 })
  }
  expect(record.complete).toBe(true)
  expect(readFileSync(svg, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\n$/)
}, 60_000)
