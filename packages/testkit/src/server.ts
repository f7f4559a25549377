/**
 * A real PushBack server as a disposable test resource: the built CLI spawned on a free port
 * with its own data directory (and its own database, database.ts), stopped, killed or restarted
 * by the test. Spawning the real CLI (not an in-process copy) is what lets tests SIGKILL and
 * restart it. A test file usually takes one through `useServer` (use.ts).
 */
/// <reference lib="esnext.disposable" />
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { testDatabaseUrl } from "./database.js"

const here = fileURLToPath(new URL(".", import.meta.url))
/** The built CLI of `@pushback/server`. Tests run after `pnpm build`. */
export const CLI_PATH = resolve(here, "../../../apps/server/dist/cli.js")

/** How `startServer` starts a node. */
export interface StartOptions {
  /** Reuse a data directory (to restart on the same database). Default: a new temp dir. */
  readonly dataDir?: string
  /** Extra environment variables (e.g. limits). */
  readonly env?: Record<string, string>
  /** Extra CLI arguments after `serve`. */
  readonly args?: ReadonlyArray<string>
  /** Port to listen on; default 0 (a free one). */
  readonly port?: number
  /** The `--db` URL; default a database of its own (testDatabaseUrl). Nodes of one cluster share one. */
  readonly databaseUrl?: string
  /** A config file's content (e.g. `{limits: {…}}`), written to a temp file and passed as `--config`. */
  readonly config?: Record<string, unknown>
}

/** A running server started by `startServer`; `await using` disposes of it. */
export interface TestServer extends AsyncDisposable {
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

/** A process that printed PushBack's ready line. */
export interface ReadyProcess {
  readonly process: ChildProcess
  /** The port of the ready line. */
  readonly port: number
  /** Everything the process printed so far (stdout and stderr). */
  readonly output: () => string
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>
  /** Sends `signal` (default SIGTERM; to the whole group with `group`) and waits for exit. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/**
 * Spawns any command that runs a PushBack node (the CLI, an installed `pushback`, a
 * Dockerfile's CMD) and resolves once it prints `ready on http://…:PORT`. With `group`, the
 * command leads its own process group and `stop` signals all of it, as Ctrl-C in a terminal
 * does: `npx` does not pass signals on to the command it runs.
 */
export const spawnReady = async (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string; readonly group?: boolean } = {}
): Promise<ReadyProcess> => {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    detached: options.group === true,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
  const port = await new Promise<number>((done, fail) => {
    // Not ready in time: the process is killed, so it does not outlive the test as an orphan
    // (still starting, eating the CPU the next tests need).
    const timer = setTimeout(() => {
      if (options.group === true && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL")
        } catch {}
      } else child.kill("SIGKILL")
      fail(new Error(`server did not get ready in 40 s:\n${output}`))
    }, 40_000)
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
  return {
    process: child,
    port,
    output: () => output,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) {
        if (options.group === true && child.pid !== undefined) process.kill(-child.pid, signal)
        else child.kill(signal)
      }
      return exited
    }
  }
}

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
    options.databaseUrl ?? (await testDatabaseUrl(dataDir)),
    ...(options.config === undefined ? [] : ["--config", configFile(options.config)]),
    ...(options.args ?? [])
  ]
  const ready = await spawnReady(process.execPath, args, {
    env: { ...process.env, PUSHBACK_ADMIN_TOKEN: ADMIN_TOKEN, ...options.env }
  })
  const { process: child, port, exited } = ready
  const url = `http://127.0.0.1:${port}`
  const server: TestServer = {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    adminToken: ADMIN_TOKEN,
    dataDir,
    output: ready.output,
    process: child,
    stop: () => ready.stop(),
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
    },
    [Symbol.asyncDispose]: () => server.dispose()
  }
  return server
}

const configDirs: Array<string> = []

/**
 * Writes a JSON config file (e.g. `{limits: {…}}`) to a temp dir, removed when the test process
 * exits, and answers its path: pass it as `args: ["--config", path]` (or give `config` to
 * `startServer`).
 */
export const configFile = (config: unknown): string => {
  const dir = mkdtempSync(join(tmpdir(), "pushback-config-"))
  if (configDirs.push(dir) === 1)
    process.once("exit", () => {
      for (const d of configDirs) rmSync(d, { recursive: true, force: true })
    })
  const path = join(dir, "config.json")
  writeFileSync(path, JSON.stringify(config))
  return path
}
