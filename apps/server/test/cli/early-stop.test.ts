/**
 * A stop right after start (issue 26): in a container Node is PID 1, which has no default action
 * for SIGTERM, so a `docker stop` before the server had its handler was ignored for 10 s and then
 * killed (exit 137). Here `pushback serve` runs as PID 1 of its own PID namespace (`unshare`),
 * as in a container: a SIGTERM sent while the server is still starting is honoured (it stops
 * once started, exit 0), not ignored until the server's own handler exists.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, expect, it } from "vitest"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..")
const bin = join(root, "apps/server/bin/pushback.js")
const dir = mkdtempSync(join(tmpdir(), "pushback-early-stop-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The first child of `pid` (the process unshare forked into the new namespace). */
const childOf = (pid: number): number | undefined => {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim()
    return children === "" ? undefined : Number(children.split(" ")[0])
  } catch {
    return undefined
  }
}

it("as PID 1, a SIGTERM during start-up ends the server with exit 0, at once", async () => {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PUSHBACK_"))),
    PUSHBACK_ADMIN_TOKEN: "early-stop-token"
  }
  const args = ["--pid", "--fork", "--kill-child", process.execPath, bin, "serve"]
  const child = spawn(
    "unshare",
    [...args, "--host", "127.0.0.1", "--port", "0", "--db", `sqlite:${dir}/pushback.db`],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  let output = ""
  child.stdout.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr.on("data", (d: Buffer) => (output += d.toString()))
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
  // the server's process (PID 1 inside): a SIGTERM every 20 ms from its start until it ends.
  // Node's own start-up handler drops the first few (it re-raises, which PID 1 ignores); from
  // the moment bin/pushback.js runs, one is noted and the server stops once it has started.
  let node: number | undefined
  const first = Date.now()
  while (child.exitCode === null && Date.now() - first < 15_000) {
    node ??= childOf(child.pid!)
    if (node !== undefined) {
      try {
        process.kill(node, "SIGTERM")
      } catch {
        // ended meanwhile
      }
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  const code = await exited
  expect(code, output).toBe(0)
  // a stop asked for before the server was ready was honoured, not ignored until after it
  expect(output).toMatch(/ready on[\s\S]*SIGTERM during start-up: closing sessions/)
  // well before a container engine's 10 s
  expect(Date.now() - first, output).toBeLessThan(8000)
}, 30_000)
