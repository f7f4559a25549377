/**
 * A real PushBack server as a disposable test resource.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const here = fileURLToPath(new URL(".", import.meta.url))
/** The built CLI of `@pushback/server`. Tests run after `pnpm build`. */
export const CLI_PATH = resolve(here, "../../../apps/server/dist/cli.js")

export interface StartOptions {
  /** Reuse a data directory (to restart on the same database). Default: a new temp dir. */
  readonly dataDir?: string
  /** Extra environment variables (e.g. limits). */
  readonly env?: Record<string, string>
  /** Extra CLI arguments after `serve`. */
  readonly args?: ReadonlyArray<string>
  /** Port to listen on; default 0 (a free one). */
  readonly port?: number
}

export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string
  /** `ws://127.0.0.1:PORT` */
  readonly wsUrl: string
  readonly port: number
  readonly adminToken: string
  readonly dataDir: string
  /** Everything the process printed so far (stdout and stderr). */
  readonly output: () => string
  /** SIGTERM and wait for exit. */
  readonly stop: () => Promise<number | null>
  /** SIGKILL and wait for exit (a crash). */
  readonly kill: () => Promise<void>
  /** Start again on the same data directory and port. */
  readonly restart: () => Promise<TestServer>
  /** Stop and remove the data directory. */
  readonly dispose: () => Promise<void>
  readonly process: ChildProcess
}

const ADMIN_TOKEN = "test-admin-token-0123456789abcdef"

/** Starts `pushback serve` on 127.0.0.1 and resolves once it prints its ready line. */
export const startServer = async (options: StartOptions = {}): Promise<TestServer> => {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "pushback-test-"))
  const args = [
    CLI_PATH,
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    String(options.port ?? 0),
    "--db",
    `sqlite:${join(dataDir, "pushback.db")}`,
    ...(options.args ?? [])
  ]
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PUSHBACK_ADMIN_TOKEN: ADMIN_TOKEN, ...options.env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not get ready in 20 s:\n${output}`)), 20_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /ready on http:\/\/[^:\s]+:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        done(Number(match[1]))
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    void exited.then((code) => {
      clearTimeout(timer)
      fail(new Error(`server exited with ${code} before ready:\n${output}`))
    })
  })
  const url = `http://127.0.0.1:${port}`
  const server: TestServer = {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    adminToken: ADMIN_TOKEN,
    dataDir,
    output: () => output,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      return exited
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      await exited
    },
    restart: async () => {
      await server.stop()
      return startServer({ ...options, dataDir, port })
    },
    dispose: async () => {
      await server.kill()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  return server
}

/** Writes a JSON config file (e.g. `{limits: {…}}`) to a temp dir; pass it as `args: ["--config", path]`. */
export const configFile = (config: Record<string, unknown>): string => {
  const dir = mkdtempSync(join(tmpdir(), "pushback-config-"))
  const path = join(dir, "config.json")
  writeFileSync(path, JSON.stringify(config))
  return path
}
