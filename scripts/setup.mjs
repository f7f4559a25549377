#!/usr/bin/env node
// Brings a fresh machine (Node >= 20 and npm only) to a working checkout: pnpm, the
// workspace's dependencies, a build, and with --test the system packages the test suite
// uses. Idempotent, so `npm start` and `npm test` can always call it first.
//
//   node scripts/setup.mjs [--test] [--pnpm-only] [-- COMMAND ARGS…]
//
// pnpm: the pnpm 10 on PATH, whatever its minor version, with its switch to the pinned version
// off (scripts/pnpm.mjs says why); the pinned one is installed only when there is no pnpm 10.
// After `--`, COMMAND runs with that pnpm and setting (`npm test` runs `pnpm run check` so);
// --pnpm-only skips everything but choosing pnpm.
import { execSync, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { choosePnpm } from "./pnpm.mjs"

const dash = process.argv.indexOf("--")
const flags = dash < 0 ? process.argv.slice(2) : process.argv.slice(2, dash)
const then = dash < 0 ? [] : process.argv.slice(dash + 1)
const forTests = flags.includes("--test")
const pnpmOnly = flags.includes("--pnpm-only")
// System binaries the test suite runs for real. With CI=true a missing one is a failure.
// nginx: the deploy test runs docs/deploy.md's site in front of a node (with a certificate
// made by openssl), and the peers benchmark's smoke run (bench/peers) runs nchan as a
// contender. systemd: only its `systemd-analyze verify`, for the documented unit.
const SYSTEM_DEPS = [
  { bin: "/usr/bin/chromium", pkg: "chromium" },
  { bin: "/usr/sbin/nginx", pkg: "nginx" },
  { bin: "/usr/lib/nginx/modules/ngx_nchan_module.so", pkg: "libnginx-mod-nchan" },
  { bin: "/usr/bin/openssl", pkg: "openssl" },
  { bin: "/usr/bin/systemd-analyze", pkg: "systemd" },
  // PostgreSQL 15: the server's suites run again on a PostgreSQL of their own (initdb + pg_ctl
  // in a temp dir, packages/testkit/src/postgres.ts); the system cluster apt sets up is unused.
  { bin: "/usr/lib/postgresql/15/bin/pg_ctl", pkg: "postgresql" },
  // Redis 7: the cluster suites start a redis-server of their own on a free loopback port.
  { bin: "/usr/bin/redis-server", pkg: "redis-server" },
  // Firefox ESR: the Web Push end-to-end test (Chromium's push endpoints are Google's, hard-wired;
  // Firefox's push server is a setting, pointed at a loopback stand-in for Mozilla's autopush).
  { bin: "/usr/bin/firefox-esr", pkg: "firefox-esr" },
  // The Docker image test (apps/server/test/package/image.test.ts): podman builds and runs the
  // Dockerfile with runc, on base images debootstrap makes (scripts/image/bases.sh).
  { bin: "/usr/bin/podman", pkg: "podman" },
  { bin: "/usr/bin/buildah", pkg: "buildah" },
  { bin: "/usr/sbin/debootstrap", pkg: "debootstrap" },
  { bin: "/usr/sbin/runc", pkg: "runc" }
]

const log = (msg) => console.log(`[setup] ${msg}`)
let env = process.env
const run = (cmd) => execSync(cmd, { stdio: "inherit", env })
const has = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: "ignore", shell: "/bin/sh" })
    return true
  } catch {
    return false
  }
}

const [major, minor] = process.versions.node.split(".").map(Number)
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`[setup] PushBack needs Node >= 20.19; this is ${process.versions.node}`)
  process.exit(1)
}

env = choosePnpm(log)

/** Runs the command after `--` (if any) with the chosen pnpm, and exits as it did. */
const runThen = () => {
  if (then.length === 0) return
  const result = spawnSync(then[0], then.slice(1), { stdio: "inherit", env })
  if (result.error) console.error(`[setup] ${then[0]}: ${result.error.message}`)
  process.exit(result.status ?? 1)
}
if (pnpmOnly) runThen()

log("installing dependencies (the first run compiles better-sqlite3, about a minute)")
run("pnpm install --frozen-lockfile")

if (forTests) {
  const missing = SYSTEM_DEPS.filter((d) => !existsSync(d.bin))
  if (missing.length > 0) {
    const pkgs = missing.map((d) => d.pkg).join(" ")
    const isRoot = typeof process.getuid === "function" && process.getuid() === 0
    if (!isRoot || !has("apt-get")) {
      console.error(`[setup] the tests need: ${pkgs}. Install them (Debian: apt-get install ${pkgs}).`)
      process.exit(1)
    }
    log(`installing system packages: ${pkgs}`)
    run("apt-get update -qq")
    run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${pkgs}`)
    const still = missing.filter((d) => !existsSync(d.bin))
    if (still.length > 0) {
      console.error(`[setup] still missing after apt-get: ${still.map((d) => d.bin).join(", ")}`)
      process.exit(1)
    }
  }
}

log("building")
run("pnpm run build")
runThen()
