/**
 * docs/deploy.md's PostgreSQL and several-nodes chapters, run as written (issue 26): the
 * database and its user made as the `postgres` system user with no prompt, three nodes started
 * with the doc's variables on the ports the load balancer names, and nginx run on its own with
 * deploy/nginx/nginx-cluster.conf (the site inside its own `http {}`), answering through it.
 * The test's PostgreSQL and Redis stand in for the machine's (PGHOST/PGPORT for psql, their
 * ports in the URLs), and the doc's fixed ports (8081–8083, 80, 5432, 6379) become free ones; the
 * commands are the doc's own, in one bash, at the root of the clone.
 */
import { spawn } from "node:child_process"
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { freePort, startPostgres, startRedis } from "@pushback/testkit"
import { expect, it } from "vitest"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..")
const page = readFileSync(join(root, "docs/deploy.md"), "utf8")

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The `sh` blocks from the heading `## heading` to the next `## `. */
const blocksOf = (heading: string) => {
  const start = page.indexOf(`\n## ${heading}`)
  expect(start, heading).toBeGreaterThanOrEqual(0)
  const end = page.indexOf("\n## ", start + 4)
  return [...page.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

it("runs the PostgreSQL and several-nodes chapters as written", async () => {
  const database = blocksOf("One node on PostgreSQL")
  const cluster = blocksOf("Several nodes (PostgreSQL + Redis)")
  expect(database).toHaveLength(1)
  expect(cluster).toHaveLength(2)
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()])
  const work = mkdtempSync(join(tmpdir(), "pushback-deploy-chapter-"))
  // as /tmp is: nginx's workers (user nobody) reach their temp files under it
  chmodSync(work, 0o755)
  const nodes = await Promise.all([freePort(), freePort(), freePort()])
  const http = await freePort()
  // the repository's deploy/nginx/, with the site's port 80 and the nodes' ports made free ones
  const deploy = join(work, "clone")
  cpSync(join(root, "deploy/nginx"), join(deploy, "deploy/nginx"), { recursive: true })
  const site = join(deploy, "deploy/nginx/pushback-cluster.conf")
  const ports = (text: string) =>
    [8081, 8082, 8083].reduce((t, p, i) => t.replaceAll(String(p), String(nodes[i])), text)
  writeFileSync(
    site,
    ports(readFileSync(site, "utf8")).replace(/^(\s*listen\s+)80;$/m, `$1127.0.0.1:${http};`)
  )
  const prefix = join(work, "nginx")
  const adapt = (text: string) =>
    ports(text)
      .replaceAll("127.0.0.1:5432", `127.0.0.1:${pg.port}`)
      .replaceAll("127.0.0.1:6379", `127.0.0.1:${redis.port}`)
      .replaceAll("/tmp/pushback-nginx", prefix)
      .replaceAll("/tmp/pushback-node-", `${work}/node-`)
      .replaceAll("http://localhost/", `http://localhost:${http}/`)
      .replaceAll('"$PWD/deploy/nginx/', `"${deploy}/deploy/nginx/`)
  const script = ["set -euo pipefail", ...database, ...cluster].map(adapt).join("\n")
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PUSHBACK_"))),
    PGHOST: "127.0.0.1",
    PGPORT: String(pg.port)
  }
  const bash = spawn("bash", ["-c", script], { cwd: root, env, detached: true })
  let out = ""
  let err = ""
  bash.stdout.on("data", (d: Buffer) => (out += d.toString()))
  bash.stderr.on("data", (d: Buffer) => (err += d.toString()))
  const limit = setTimeout(() => process.kill(-bash.pid!, "SIGKILL"), 100_000)
  const code = await new Promise<number | null>((done) => bash.once("exit", done))
  clearTimeout(limit)
  const logs = () =>
    nodes.map((p) => {
      try {
        return readFileSync(join(work, `node-${p}.log`), "utf8").slice(-600)
      } catch {
        return ""
      }
    })
  const said = `stdout: ${out}\nstderr: ${err.slice(-2000)}\nnodes: ${logs().join("\n")}`
  try {
    expect(code, said).toBe(0)
    expect(out, said).toContain('{"ok":true}{"apps":[]}')
    // each node is where the doc and the load balancer say, on the shared database and bus
    for (const log of logs()) {
      expect(log, said).toMatch(
        /ready on http:\/\/localhost:\d+ \(database postgres:\/\/pushback:\*\*\*@127\.0\.0\.1:\d+\/pushback, bus redis:/
      )
    }
  } finally {
    // the doc's nginx runs as a daemon: end it by its pid file, and wait until it is gone
    const pid = (() => {
      try {
        return Number(readFileSync(join(prefix, "nginx.pid"), "utf8"))
      } catch {
        return undefined
      }
    })()
    if (pid !== undefined) {
      try {
        process.kill(pid, "SIGTERM")
        for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100))
      } catch {
        // already gone
      }
    }
    try {
      process.kill(-bash.pid!, "SIGTERM")
    } catch {
      // the group already ended
    }
    await new Promise((r) => setTimeout(r, 1500))
    await Promise.all([pg.stop(), redis.stop()])
    rmSync(work, { recursive: true, force: true })
  }
}, 150_000)
