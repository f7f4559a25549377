// The two shared services a PushBack cluster needs, started for a benchmark: a redis-server and
// a PostgreSQL 15 server of its own, each on a free loopback port, in the foreground under
// bench/peers/proc.mjs's `start` so that they are pinned to the server core like every other
// server of the bench, their CPU time is readable from /proc, and `killAll` ends them on any
// way out (the test kit's packages/testkit/src/postgres.ts daemonizes PostgreSQL with pg_ctl
// instead, which suits tests but hides the process). PostgreSQL refuses to run as root, so as
// root it runs as the `postgres` system user, on a directory that user owns.
import { execFileSync } from "node:child_process"
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort, start, stop } from "../peers/proc.mjs"

const REDIS_SERVER = "/usr/bin/redis-server"
const PG_BIN = process.env.PUSHBACK_PG_BIN ?? "/usr/lib/postgresql/15/bin"
const asRoot = process.getuid?.() === 0

/** A redis-server with no persistence on a free port: {url, port, pid, stop}. */
export const startRedis = async ({ core }) => {
  if (!existsSync(REDIS_SERVER))
    throw new Error(
      `${REDIS_SERVER} is missing: run node scripts/setup.mjs --test (apt-get install redis-server)`
    )
  const port = await freePort()
  const { child } = await start(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { core, ready: /Ready to accept connections/ }
  )
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid, stop: () => stop(child) }
}

/** Runs `argv` as the `postgres` user when we are root. */
const asPostgres = (argv) =>
  asRoot ? ["runuser", ["-u", "postgres", "--", ...argv]] : [argv[0], argv.slice(1)]

/**
 * A PostgreSQL server in a temp dir of its own (in the system temp dir, which the `postgres`
 * user can reach), with its default settings, so fsync and synchronous_commit stay on: a
 * notify's 2xx costs a WAL flush, as SQLite's `synchronous=FULL` costs one. Answers
 * {url, pid, stop}; `url` names the `postgres` database; `stop` removes the dir.
 */
export const startPostgres = async ({ core }) => {
  if (!existsSync(join(PG_BIN, "postgres")))
    throw new Error(
      `PostgreSQL 15 is missing (${PG_BIN}): run node scripts/setup.mjs --test (apt-get install postgresql)`
    )
  const dir = mkdtempSync(join(tmpdir(), "bench-pg-"))
  const removeDir = () => rmSync(dir, { recursive: true, force: true })
  try {
    if (asRoot) {
      const id = (flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim())
      chownSync(dir, id("-u"), id("-g"))
    }
    chmodSync(dir, 0o700)
    const data = join(dir, "data")
    const [cmd, args] = asPostgres([
      join(PG_BIN, "initdb"),
      ...["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]
    ])
    execFileSync(cmd, args, { stdio: "pipe" })
    const port = await freePort()
    const [pgCmd, pgArgs] = asPostgres([
      join(PG_BIN, "postgres"),
      ...["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"],
      ...["-c", "max_connections=100"],
      // PUSHBACK_BENCH_PG_ARGS="-c name=value ...": settings to try (pg_stat_statements, say)
      ...(process.env.PUSHBACK_BENCH_PG_ARGS ?? "").split(" ").filter(Boolean)
    ])
    const { child } = await start(pgCmd, pgArgs, {
      core,
      ready: /database system is ready to accept connections/,
      timeoutMs: 60_000
    })
    // PUSHBACK_BENCH_PG_LOG=FILE: PostgreSQL's log (slow plans, lock waits) appended there
    const log = process.env.PUSHBACK_BENCH_PG_LOG
    if (log) child.stderr.on("data", (c) => appendFileSync(log, c))
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      pid: child.pid,
      stop: async () => {
        // PUSHBACK_BENCH_PG_STATS=FILE (with pg_stat_statements preloaded): statements and calls, and
        // each table's inserts, updates (HOT among them) and dead rows
        const stats = process.env.PUSHBACK_BENCH_PG_STATS
        if (stats) {
          try {
            const q =
              "SELECT calls, round(total_exec_time::numeric,1) ms, rows, left(regexp_replace(query,'\\s+',' ','g'),160) q FROM pg_stat_statements ORDER BY calls DESC LIMIT 40"
            const [c, a] = asPostgres([
              "psql",
              "-h",
              "127.0.0.1",
              "-p",
              String(port),
              "-U",
              "postgres",
              "-c",
              "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
              "-c",
              q,
              "-c",
              "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_dead_tup, autovacuum_count, autoanalyze_count FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd > 0 ORDER BY n_tup_upd + n_tup_ins DESC"
            ])
            appendFileSync(stats, execFileSync(c, a, { encoding: "utf8" }))
          } catch (e) {
            appendFileSync(stats, String(e))
          }
        }
        await stop(child, 10_000)
        removeDir()
      }
    }
  } catch (e) {
    removeDir()
    throw new Error(`PostgreSQL did not start: ${e.stderr ?? e.message}`)
  }
}
