/**
 * What the reliability suite (issue 17) shares: how many runs each property gets (a few
 * thousand in CI, far more under `pnpm test:soak`), one summary line per property (printed, and
 * appended to the soak's report file when it runs), and the server process's resident memory
 * and open file descriptors, read from /proc, for the leak checks.
 */
import { appendFileSync, readdirSync, readFileSync } from "node:fs"

/** True under `pnpm test:soak` (scripts/soak.mjs sets it). */
export const SOAK = process.env["PUSHBACK_SOAK"] === "1"

/** A fraction to shorten a soak run by (`pnpm test:soak --scale 0.1`); 1 by default. */
const SCALE = Number(process.env["PUSHBACK_SOAK_SCALE"] ?? "1")

/** The CI count, or the soak count (times the scale, never below the CI count) under `pnpm test:soak`. */
export const scaled = (ci: number, soak: number): number =>
  SOAK ? Math.max(ci, Math.round(soak * SCALE)) : ci

/** Prints one property's figures and adds them to the soak report when one is being written. */
export const report = (property: string, figures: Record<string, number | string>): void => {
  const line = Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ")
  console.log(`[reliability] ${property}: ${line}`)
  const file = process.env["PUSHBACK_RELIABILITY_REPORT"]
  if (file !== undefined) appendFileSync(file, `${JSON.stringify({ property, ...figures })}\n`)
}

/** Resident memory (KiB) and open file descriptors of a process (Linux /proc). */
export const processStats = (pid: number): { rssKiB: number; fds: number } => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const rss = /VmRSS:\s+(\d+)/.exec(status)
  return { rssKiB: Number(rss?.[1] ?? Number.NaN), fds: readdirSync(`/proc/${pid}/fd`).length }
}

/** Counts of named outcomes, for the summaries. */
export const tally = () => {
  const counts: Record<string, number> = {}
  return {
    counts,
    add: (key: string) => {
      counts[key] = (counts[key] ?? 0) + 1
    }
  }
}
