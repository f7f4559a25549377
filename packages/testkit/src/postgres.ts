/**
 * A real PostgreSQL 15 as a disposable test resource: `initdb` in a temp dir, `pg_ctl start`
 * on a free loopback port (socket in the same dir), one database per server under test
 * (`createdb`), everything stopped and removed afterwards. PostgreSQL refuses to run as root,
 * so as root every binary runs as the `postgres` system user on a dir it owns (STACK.md).
 * No mocks: a missing PostgreSQL is an error naming how to install it, never a skip.
 */
import { execFile, execFileSync } from "node:child_process"
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { freePort } from "./net.js"

const run = promisify(execFile)

/** Debian's PostgreSQL 15 binaries (`apt-get install postgresql`). */
export const PG_BIN = process.env["PUSHBACK_PG_BIN"] ?? "/usr/lib/postgresql/15/bin"

/** The variable naming a running test cluster (`postgres://postgres@127.0.0.1:PORT`) for startServer. */
export const TEST_POSTGRES_ENV = "PUSHBACK_TEST_POSTGRES"

/** A running PostgreSQL started by `startPostgres`. */
export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:PORT` (the cluster, no database). */
  readonly url: string
  readonly port: number
  /** Creates a new, empty database and answers its URL. */
  readonly createDatabase: (name?: string) => Promise<string>
  /** Stops the server and removes its directory. */
  readonly stop: () => Promise<void>
}

const asRoot = typeof process.getuid === "function" && process.getuid() === 0

/** Runs a PostgreSQL binary, as `postgres` when we are root. */
const pg = (bin: string, args: ReadonlyArray<string>) =>
  asRoot
    ? run("runuser", ["-u", "postgres", "--", join(PG_BIN, bin), ...args])
    : run(join(PG_BIN, bin), [...args])

let counter = 0

/** Creates an empty database on the cluster at `clusterUrl` and answers its URL. */
export const createDatabaseAt = async (clusterUrl: string, name?: string): Promise<string> => {
  const { hostname, port } = new URL(clusterUrl)
  const db = name ?? `pb_${process.pid}_${Date.now().toString(36)}_${counter++}`
  await pg("createdb", ["-h", hostname, "-p", port, "-U", "postgres", db])
  return `${clusterUrl}/${db}`
}

/** Starts a PostgreSQL server of its own; call `stop()` when done (afterAll or a globalSetup teardown). */
export const startPostgres = async (): Promise<TestPostgres> => {
  if (!existsSync(join(PG_BIN, "pg_ctl"))) {
    throw new Error(
      `PostgreSQL 15 is not installed (no ${PG_BIN}/pg_ctl): run node scripts/setup.mjs --test, or apt-get install postgresql`
    )
  }
  const dir = mkdtempSync(join(tmpdir(), "pushback-pg-"))
  const data = join(dir, "data")
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim())
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim())
    chownSync(dir, uid, gid)
  }
  chmodSync(dir, 0o700)
  const cleanUp = () => rmSync(dir, { recursive: true, force: true })
  try {
    await pg("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
    // A port taken between probing and binding: try another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      // Durability of the PostgreSQL server itself is not under test (the tests kill PushBack,
      // never PostgreSQL), so it skips fsync: the suites run several times faster on this disk.
      const options = [
        `-p ${port}`,
        `-k ${dir}`,
        "-c listen_addresses=127.0.0.1",
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=300",
        "-c shared_buffers=32MB"
      ].join(" ")
      try {
        await pg("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", "-t", "30", "-o", options, "start"])
      } catch (e) {
        if (attempt < 3) continue
        throw e
      }
      const url = `postgres://postgres@127.0.0.1:${port}`
      return {
        url,
        port,
        createDatabase: (name) => createDatabaseAt(url, name),
        stop: async () => {
          await pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined)
          cleanUp()
        }
      }
    }
  } catch (e) {
    cleanUp()
    throw e
  }
}
