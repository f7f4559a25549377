#!/usr/bin/env node
// Runs the whole Vitest suite and ends with one plain closing line, "N passed, N failed"
// (", N skipped" when any were), which CI reads as the test summary. Exits as Vitest did.
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"

const report = "test-results/vitest.json"
rmSync(report, { force: true }) // never summarize a previous run
const result = spawnSync(
  "pnpm",
  [
    "exec",
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...process.argv.slice(2)
  ],
  { stdio: "inherit" }
)
if (existsSync(report)) {
  const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = JSON.parse(
    readFileSync(report, "utf8")
  )
  const skipped = numPendingTests + numTodoTests
  console.log(
    `${numPassedTests} passed, ${numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`
  )
}
process.exit(result.status ?? 1)
