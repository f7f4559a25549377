#!/usr/bin/env node
// `pnpm test:soak`: the reliability suite (apps/server/test/reliability) with its soak counts —
// 100,000 generated REST requests, 20,000 of them writes checked against a state snapshot,
// 20,000 WebSocket frame sequences, 20,000 reconnects, 10,000 clients in the storm, 80,000
// connect/close cycles, 1,000 slow consumers — then one summary line per property, from the
// report the tests append to. `--scale 0.1` shortens every count (never below the CI count).
// Builds first when src/ changed, like every suite that spawns the server. Exits as Vitest did.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs"

const at = process.argv.indexOf("--scale")
const scale = at > 0 ? process.argv[at + 1] : "1"
if (!(Number(scale) > 0)) {
  console.error("--scale takes a positive number, e.g. 0.1")
  process.exit(2)
}
const report = "test-results/soak.jsonl"
mkdirSync("test-results", { recursive: true })
rmSync(report, { force: true })
const started = Date.now()
const result = spawnSync(
  "pnpm",
  ["exec", "vitest", "run", "--project", "slow", "apps/server/test/reliability", "--testTimeout", "7200000"],
  {
    stdio: "inherit",
    env: {
      ...process.env,
      PUSHBACK_SOAK: "1",
      PUSHBACK_SOAK_SCALE: scale,
      PUSHBACK_RELIABILITY_REPORT: `${process.cwd()}/${report}`
    }
  }
)
const minutes = ((Date.now() - started) / 60_000).toFixed(1)
console.log(
  `\nsoak summary (scale ${scale}, ${minutes} min, ${result.status === 0 ? "all properties held" : "FAILED"}):`
)
if (existsSync(report)) {
  for (const line of readFileSync(report, "utf8").trim().split("\n")) {
    const { property, ...figures } = JSON.parse(line)
    console.log(
      `  ${property}: ${Object.entries(figures)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`
    )
  }
}
process.exit(result.status ?? 1)
