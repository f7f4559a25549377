/**
 * The Docker image, built and run (issue 26), with Debian's podman (no Docker engine needed): the
 * project's Dockerfile builds unchanged (`podman build --format docker`, which keeps HEALTHCHECK)
 * on base images made here by scripts/image/bases.sh (no registry is reachable: debootstrap and
 * this machine's Node, under the FROM names). podman's storage (/var/lib/containers) and the
 * containers.conf are kept between runs, so a second run builds from its layer cache in seconds.
 * crun fails on cgroups in hybrid mode here, so runc; root cannot raise the open-files limit past
 * 20,000, so the containers' limits say so (CONTAINERS_CONF, nothing in /etc changed).
 *
 * Then, as a user would: /readyz answers, `podman healthcheck run` says healthy, the process is
 * uid 1000, an app survives a container restart on its volume, `podman stop` after ready ends it
 * within about a second with exit 0 and sessions closed 1001, and a stop in the first half second
 * after start is honoured (exit 0), not ignored for 10 s and killed (exit 137).
 */
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { connectWs, freePort, request } from "@pushback/testkit"
import { afterAll, beforeAll, expect, it } from "vitest"
import { commandOk } from "../../../../scripts/vitest/command.mjs"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..")
/** Kept between runs on one machine: the containers.conf and debootstrap's work folder. */
const cache = "/var/cache/pushback-image"
const conf = join(cache, "containers.conf")
const env = { ...process.env, CONTAINERS_CONF: conf }
const IMAGE = "localhost/pushback-image-test"
const ADMIN = "image-test-admin-token"
const run = promisify(execFile)
const podman = async (...args: Array<string>) =>
  (await run("podman", args, { env, maxBuffer: 64 * 1024 * 1024 })).stdout.trim()
const started: Array<string> = []

beforeAll(async () => {
  expect(existsSync("/usr/bin/podman"), "podman is missing: node scripts/setup.mjs --test installs it").toBe(
    true
  )
  mkdirSync(cache, { recursive: true })
  writeFileSync(
    conf,
    '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n[engine]\nruntime = "runc"\n'
  )
  await run(join(root, "scripts/image/bases.sh"), [join(cache, "roots")], {
    env,
    maxBuffer: 16 * 1024 * 1024
  })
  // once per run; unchanged sources reuse every layer
  await run("podman", ["build", "--format", "docker", "--network", "host", "-t", IMAGE, "."], {
    cwd: root,
    env,
    maxBuffer: 256 * 1024 * 1024
  })
  // Cold (no base images, no layers: debootstrap, then the workspace's install and build inside
  // the container) it took over 900 s once while the whole suite ran beside it.
}, 1_800_000)

afterAll(async () => {
  for (const name of started) await podman("rm", "-f", "-v", name).catch(() => undefined)
})

/** A container of the image on a free port of this machine (host network), data in `volume`. */
const start = async (name: string, volume: string) => {
  const port = await freePort()
  await podman("rm", "-f", name).catch(() => undefined)
  started.push(name)
  await podman(
    "run",
    "-d",
    "--name",
    name,
    "--network",
    "host",
    "-e",
    `PUSHBACK_PORT=${port}`,
    "-e",
    `PUSHBACK_ADMIN_TOKEN=${ADMIN}`,
    "-v",
    `${volume}:/data`,
    IMAGE
  )
  return { port, url: `http://127.0.0.1:${port}` }
}

const ready = async (url: string) => {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false
    )
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url}/readyz never answered 200`)
}

const exitCode = async (name: string) =>
  Number(await podman("inspect", name, "--format", "{{.State.ExitCode}}"))

it("runs as a user would: ready, healthy, uid 1000, an app kept across a restart, a clean stop", async () => {
  const name = "pushback-image-test-main"
  const volume = `${name}-data`
  await podman("volume", "rm", "-f", volume).catch(() => undefined)
  const { url } = await start(name, volume)
  await ready(url)
  // exit 0 (commandOk throws otherwise), and podman records the container as healthy
  await commandOk("podman", ["healthcheck", "run", name], { env })
  expect(await podman("inspect", name, "--format", "{{.State.Health.Status}}")).toBe("healthy")
  expect(await podman("exec", name, "node", "-p", "process.getuid()")).toBe("1000")
  expect(await podman("top", name, "user")).toMatch(/\bnode\b/)
  const created = await request<{ id: string; secret: string }>(url, "POST", "/v1/apps", {
    token: ADMIN,
    body: { name: "Kept" }
  })
  expect(created.status).toBe(201)
  await podman("restart", name)
  await ready(url)
  const apps = await request<{ apps: Array<{ id: string }> }>(url, "GET", "/v1/apps", { token: ADMIN })
  expect(apps.body.apps.map((a) => a.id)).toContain(created.body.id)
  // a live session, then `podman stop`: 1001 to the session, exit 0, within about a second
  const token = await request<{ token: string }>(url, "POST", "/v1/tokens", {
    token: created.body.secret,
    body: { user: "alice" }
  })
  const ws = await connectWs(`${url.replace("http", "ws")}/v1/ws?token=${token.body.token}`)
  await ws.next((f) => f.type === "welcome")
  const before = Date.now()
  await podman("stop", "-t", "10", name)
  const took = Date.now() - before
  expect((await ws.closed).code).toBe(1001)
  expect(await exitCode(name)).toBe(0)
  expect(took).toBeLessThan(2500)
}, 120_000)

it("honours a stop in the first half second after start: exit 0, not ignored and killed", async () => {
  const name = "pushback-image-test-early"
  const volume = `${name}-data`
  await podman("volume", "rm", "-f", volume).catch(() => undefined)
  await start(name, volume)
  await new Promise((r) => setTimeout(r, 300))
  const before = Date.now()
  await podman("stop", "-t", "10", name)
  const took = Date.now() - before
  expect(await exitCode(name)).toBe(0)
  expect(took).toBeLessThan(8000)
}, 60_000)
