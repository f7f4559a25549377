/**
 * @pushback/server as a user of the package gets it: scripts/pack-server.mjs packs it with
 * `pnpm pack` (and the workspace package it depends on) and installs the tarballs into an empty
 * folder with npm, dependencies from the registry. There, `npx pushback apps create` and
 * `npx pushback serve` work. From a clone, `pnpm pushback` / `npx pushback` used to be "command
 * not found" or asked the registry.
 *
 * The Dockerfile's build stage runs that same script; this machine has no Docker engine, so its
 * final stage is run here by hand: its CMD with its ENV against the installed folder, then its
 * HEALTHCHECK command, which must pass on a ready node and fail without one. The systemd unit of
 * docs/deploy.md is checked by `systemd-analyze verify` and its ExecStart run the same way.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { request, spawnReady } from "@pushback/testkit"
import { command } from "../../../../scripts/vitest/command.mjs"
import { eventually } from "../transports/helpers.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..")
const dir = mkdtempSync(join(tmpdir(), "pushback-packed-"))
/** What a user types in `dir`: no PUSHBACK_* variable of the test run leaks in. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PUSHBACK_")))

beforeAll(async () => {
  // Packs, then npm install. The builds are current (the slow project's globalSetup), and
  // better-sqlite3's own install script takes the workspace's compiled binary as a local
  // prebuild instead of compiling it again (about a minute here); the Dockerfile compiles.
  await promisify(execFile)(
    process.execPath,
    [join(root, "scripts/pack-server.mjs"), dir, "--no-build", "--reuse-native"],
    { env, maxBuffer: 64 * 1024 * 1024 }
  )
}, 600_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const npx = (args: Array<string>, cwd = dir) =>
  command("npx", ["--no-install", "pushback", ...args], { cwd, env, timeoutMs: 60_000 })

describe("the packed package, installed with npm into an empty folder", () => {
  it("installed @pushback/server and its dependencies from tarballs, not from the workspace", () => {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>
    }
    expect(pkg.dependencies["@pushback/server"]).toMatch(/^file:packages\/pushback-server-.*\.tgz$/)
    const installed = JSON.parse(
      readFileSync(join(dir, "node_modules/@pushback/server/package.json"), "utf8")
    ) as { dependencies: Record<string, string> }
    expect(Object.values(installed.dependencies).some((v) => v.startsWith("workspace:"))).toBe(false)
    // The dashboard ships inside the package: built, never a dependency of its own.
    const dashboard = readFileSync(
      join(dir, "node_modules/@pushback/server/dist/dashboard/index.html"),
      "utf8"
    )
    expect(dashboard).toMatch(/<script type="module" crossorigin src="\/dashboard\/assets\/index-[^"]+\.js">/)
    expect(Object.keys(installed.dependencies)).not.toContain("@pushback/dashboard")
  })

  it("npx pushback --help, apps create and serve", async () => {
    expect((await npx(["--help"])).stdout).toContain("pushback serve")
    const created = await npx(["apps", "create", "Packed", "App"])
    expect(created.status, created.stderr).toBe(0)
    const app = JSON.parse(created.stdout) as { id: string; secret: string }

    const node = await spawnReady(
      "npx",
      ["--no-install", "pushback", "serve", "--host", "127.0.0.1", "--port", "0"],
      { cwd: dir, env, group: true }
    )
    const url = `http://127.0.0.1:${node.port}`
    try {
      // the first start generated the admin token, printed it and kept it in ./data
      const adminToken = readFileSync(join(dir, "data/admin-token"), "utf8").trim()
      expect(node.output()).toContain(adminToken)
      const apps = await request<{ apps: Array<{ id: string }> }>(url, "GET", "/v1/apps", {
        token: adminToken
      })
      expect(apps.body.apps.map((a) => a.id)).toContain(app.id)
      const sent = await request(url, "POST", "/v1/notify", {
        token: app.secret,
        body: { users: ["alice"], content: "from a packed install" }
      })
      expect(sent.status, sent.text).toBe(202)
    } finally {
      // Ctrl-C in the terminal: the whole group, npx and the server it runs
      await node.stop("SIGINT")
    }
    expect(node.output()).toContain("SIGINT: closing sessions and shutting down")
    await eventually(
      async () =>
        (await fetch(url).then(
          () => "up",
          () => "down"
        )) === "down"
    )
  }, 120_000)
})

describe("from a clone of the repository", () => {
  it("pnpm pushback … and npx pushback … run the CLI at the root, through the workspace bin", async () => {
    for (const [cmd, args] of [
      ["pnpm", ["--silent", "pushback", "--help"]],
      ["npx", ["--no-install", "pushback", "--help"]]
    ] as const) {
      const result = await command(cmd, [...args], { cwd: root, env, timeoutMs: 60_000 })
      expect(result.status, `${cmd}: ${result.stderr}`).toBe(0)
      expect(result.stdout, cmd).toContain("pushback apps create NAME")
    }
  }, 120_000)
})

/** The instructions of the Dockerfile's stages, in order (continuation lines joined). */
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8")
const stages = dockerfile
  .replace(/\\\n\s*/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"))
  .reduce<Array<Array<[string, string]>>>((all, line) => {
    const [word, ...rest] = line.split(" ")
    if (word === "FROM") all.push([])
    all.at(-1)!.push([word!, rest.join(" ")])
    return all
  }, [])
const final = stages.at(-1)!
const instruction = (name: string) => final.filter(([w]) => w === name).map(([, v]) => v)

describe("the Dockerfile", () => {
  it("builds in one stage with the scripts CI runs and runs as a non-root user in another", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    const build = stages[0]!.filter(([w]) => w === "RUN").map(([, v]) => v)
    expect(build).toEqual([
      "node scripts/setup.mjs",
      "node scripts/pack-server.mjs /opt/pushback --no-build --reuse-native && rm -rf /opt/pushback/prebuilds"
    ])
    expect(instruction("USER")).toEqual(["node"])
    expect(instruction("VOLUME")).toEqual(["/data"])
    expect(instruction("COPY")).toEqual(["--from=build /opt/pushback /opt/pushback"])
    expect(instruction("HEALTHCHECK")[0]).toContain("/readyz")
  })

  it("its CMD with its ENV serves from the installed folder, and its HEALTHCHECK follows readiness", async () => {
    const data = mkdtempSync(join(tmpdir(), "pushback-docker-data-"))
    const imageEnv: Record<string, string> = {}
    for (const line of instruction("ENV")) {
      for (const [, k, v] of line.matchAll(/(\w+)=(\S+)/g))
        imageEnv[k!] = v!.replace(/^sqlite:\/data\//, `sqlite:${data}/`)
    }
    expect(imageEnv["PUSHBACK_DATABASE_URL"]).toBe(`sqlite:${data}/pushback.db`)
    const [program, ...args] = (JSON.parse(instruction("CMD")[0]!) as Array<string>).map((a) =>
      a.replace("/opt/pushback", dir)
    )
    // the image listens on 0.0.0.0:8080; here the port is a free one on loopback
    const runEnv = { ...env, ...imageEnv, PUSHBACK_HOST: "127.0.0.1", PUSHBACK_PORT: "0" }
    const node = await spawnReady(program!, args, { cwd: data, env: runEnv })
    const check = instruction("HEALTHCHECK")[0]!.replace(/^.*?CMD /, "")
    const healthy = async (port: number) =>
      (await command("sh", ["-c", check], { env: { ...env, PUSHBACK_PORT: String(port) } })).status
    try {
      expect(node.output()).toContain(`database sqlite:${data}/pushback.db`)
      expect(await healthy(node.port)).toBe(0)
    } finally {
      expect(await node.stop()).toBe(0)
    }
    expect(await healthy(node.port)).toBe(1)
    rmSync(data, { recursive: true, force: true })
  })
})

describe("the systemd unit (deploy/systemd/pushback.service)", () => {
  const unit = readFileSync(join(root, "deploy/systemd/pushback.service"), "utf8")
  /** The values of `key=` lines of the unit, in order. */
  const values = (key: string) =>
    unit
      .split("\n")
      .filter((l) => l.startsWith(`${key}=`))
      .map((l) => l.slice(key.length + 1))

  it("passes systemd-analyze verify, its ExecStart pointing at the installed folder", async () => {
    const adapted = join(dir, "pushback.service")
    writeFileSync(adapted, unit.replaceAll("/opt/pushback", dir))
    const result = await command("systemd-analyze", ["verify", adapted])
    expect(result.status, result.stderr).toBe(0)
    expect(result.stderr.trim()).toBe("")
  })

  it("its ExecStart with its Environment serves; its KillSignal stops it within TimeoutStopSec", async () => {
    const state = mkdtempSync(join(tmpdir(), "pushback-state-"))
    const unitEnv: Record<string, string> = {}
    for (const line of values("Environment")) {
      const [k, ...v] = line.split("=")
      unitEnv[k!] = v.join("=").replaceAll("/var/lib/pushback", state)
    }
    expect(values("WorkingDirectory")).toEqual(["/var/lib/pushback"])
    expect(unitEnv["PUSHBACK_DATABASE_URL"]).toBe(`sqlite:${state}/pushback.db`)
    const [program, ...args] = values("ExecStart")[0]!.replace("/opt/pushback", dir).split(" ")
    // 127.0.0.1:8080 in the unit; a free port here
    const node = await spawnReady(program!, args, {
      cwd: state,
      env: { ...env, ...unitEnv, PUSHBACK_PORT: "0" }
    })
    const url = `http://127.0.0.1:${node.port}`
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    const started = Date.now()
    expect(await node.stop(values("KillSignal")[0] as NodeJS.Signals)).toBe(0)
    expect(Date.now() - started).toBeLessThan(Number.parseInt(values("TimeoutStopSec")[0]!, 10) * 1000)
    // the admin token was generated into the state directory, beside the database
    expect(readFileSync(join(state, "admin-token"), "utf8").trim()).toMatch(/^pb_admin_/)
    rmSync(state, { recursive: true, force: true })
  })
})
