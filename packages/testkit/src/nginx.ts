/**
 * A real nginx (Debian's) in front of test nodes: a site file as the docs give it, wrapped in
 * a main config of the test's own with every *_temp_path in a temp dir (Debian's build wants
 * /var/lib/nginx otherwise, STACK.md), run in the foreground and stopped at the end.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const NGINX = "/usr/sbin/nginx"
const TEMPS = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]

/** A running nginx started by `startNginx`. */
export interface TestNginx {
  /** The work directory (for certificates and such a test writes beside the config). */
  readonly dir: string
  /** nginx's output and error log so far. */
  readonly log: () => string
  readonly stop: () => Promise<void>
}

/** A work directory nginx's workers (user nobody) can write their temp files in. */
export const nginxWorkDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "pushback-nginx-"))
  chmodSync(dir, 0o755)
  for (const t of TEMPS) {
    mkdirSync(join(dir, "temp", t), { recursive: true })
    chmodSync(join(dir, "temp", t), 0o777)
  }
  return dir
}

/** Runs nginx with `site` (a server-level config) in `dir` (from nginxWorkDir). */
export const startNginx = (site: string, dir: string = nginxWorkDir()): TestNginx => {
  writeFileSync(join(dir, "site.conf"), site)
  writeFileSync(
    join(dir, "nginx.conf"),
    [
      "worker_processes 1;",
      `pid ${join(dir, "nginx.pid")};`,
      `error_log ${join(dir, "error.log")} warn;`,
      "events { worker_connections 4096; }",
      "http {",
      `  access_log ${join(dir, "access.log")};`,
      ...TEMPS.map((t) => `  ${t}_temp_path ${join(dir, "temp", t)};`),
      `  include ${join(dir, "site.conf")};`,
      "}",
      ""
    ].join("\n")
  )
  const child: ChildProcess = spawn(
    NGINX,
    ["-e", join(dir, "error.log"), "-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"],
    { stdio: ["ignore", "pipe", "pipe"] }
  )
  let output = ""
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()))
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()))
  return {
    dir,
    log: () => {
      let errors = ""
      try {
        errors = readFileSync(join(dir, "error.log"), "utf8")
      } catch {
        // not written yet
      }
      return `${output}\n${errors}`
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((done) => {
          child.once("exit", () => done())
          child.kill("SIGTERM")
        })
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
