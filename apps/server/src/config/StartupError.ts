/**
 * StartupError: why a node could not start, as one line that names the option to change.
 * Starting touches the outside world in two places besides the configuration: the database
 * (its file and directory, where the admin token is kept too) and the listening socket. Each
 * turns the system's error codes (EADDRINUSE, ENOTDIR, SQLITE_NOTADB, …) into a sentence about
 * the option that chose what failed, so an operator never has to read a stack trace.
 */
import { existsSync, statSync } from "node:fs"
import { dirname } from "node:path"
import { Cause, Runtime } from "effect"
import { isPostgresUrl, shownDatabaseUrl } from "./DatabaseUrl.js"

/** A start-up failure the operator fixes by changing an option; the CLI prints it and exits 1. */
export class StartupError extends Error {
  override readonly name: string = "StartupError"
}

/** The underlying error of a failure (an Effect fiber failure is unwrapped to what it died of). */
const rootOf = (error: unknown): unknown =>
  Runtime.isFiberFailure(error) ? Cause.squash(error[Runtime.FiberFailureCauseId]) : error

/** Every `code` along an error's `cause` chain (`ENOTDIR`, `SQLITE_NOTADB`, …). */
const codesOf = (error: unknown): Array<string> => {
  const codes: Array<string> = []
  for (let e = rootOf(error), depth = 0; typeof e === "object" && e !== null && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === "string") codes.push(code)
    e = (e as { cause?: unknown }).cause
  }
  return codes
}

/** The first line of an error's message, for the cases no sentence here covers. */
const firstLine = (error: unknown): string => {
  const root = rootOf(error)
  return String(root instanceof Error ? root.message : root).split("\n", 1)[0]!
}

/** What is wrong with `file`'s place on disk, looked at directly: a file where a folder must be. */
const placeProblem = (file: string): string | undefined => {
  if (existsSync(file) && statSync(file).isDirectory()) return `${file} is a directory, not a database file`
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (!existsSync(dir)) continue
    return statSync(dir).isDirectory() ? undefined : `${dir} is a file, so it cannot hold the database`
  }
  return undefined
}

/**
 * The database at `databaseUrl` (a `sqlite:` file, or the data directory beside it) could not
 * be created, opened or migrated.
 */
export const storageFailure = (error: unknown, databaseUrl: string, file: string): StartupError => {
  if (isPostgresUrl(databaseUrl)) return postgresFailure(error, databaseUrl)
  const codes = codesOf(error)
  const has = (...wanted: Array<string>) => wanted.some((c) => codes.includes(c))
  const why =
    (has("ENOTDIR", "EEXIST", "EISDIR", "SQLITE_CANTOPEN") ? placeProblem(file) : undefined) ??
    (has("SQLITE_NOTADB")
      ? `${file} is not a SQLite database`
      : has("SQLITE_CORRUPT")
        ? `${file} is damaged (restore it from a backup)`
        : has("EACCES", "EPERM", "EROFS", "SQLITE_READONLY", "SQLITE_PERM")
          ? `no permission to write ${file} or its directory`
          : has("ENOSPC", "SQLITE_FULL")
            ? `no space left on the device of ${file}`
            : has("SQLITE_BUSY", "SQLITE_LOCKED")
              ? `${file} is locked by another process`
              : `could not open ${file}: ${firstLine(error)}`)
  return new StartupError(
    `--db ${databaseUrl}: ${why}. Point --db (PUSHBACK_DATABASE_URL) at a database file in a writable directory`
  )
}

/**
 * The server could not listen on `host`:`port`; `from` says where each was set (`--port`,
 * `PUSHBACK_PORT`, a config file's key), and the sentence names that, not always the flag.
 */
export const listenFailure = (
  error: unknown,
  host: string,
  port: number,
  from: { readonly port: string; readonly host: string } = { port: "--port", host: "--host" }
): StartupError => {
  const codes = codesOf(error)
  const set = (source: string, flag: string, value: string | number) =>
    source === flag
      ? `${flag} ${value}`
      : source.startsWith('"')
        ? `${source} (${value})`
        : `${source}=${value}`
  const portSet = set(from.port, "--port", port)
  const hostSet = set(from.host, "--host", host)
  const viaPort = from.port === "--port" ? "--port (PUSHBACK_PORT)" : `${from.port} (or --port)`
  const viaHost = from.host === "--host" ? "--host (PUSHBACK_HOST)" : `${from.host} (or --host)`
  if (codes.includes("EADDRINUSE")) {
    return new StartupError(
      `${portSet}: the port is already in use on ${host} (another server?). Choose another with ${viaPort}, or stop what holds it`
    )
  }
  if (codes.includes("EACCES")) {
    return new StartupError(
      `${portSet}: this user may not listen on it (ports below 1024 need privileges). Choose a port above 1023 with ${viaPort} and put a proxy in front`
    )
  }
  if (codes.includes("EADDRNOTAVAIL")) {
    return new StartupError(
      `${hostSet}: not an address of this machine. Use 0.0.0.0 (every interface), 127.0.0.1 (this machine only) or one of its addresses with ${viaHost}`
    )
  }
  if (codes.includes("ENOTFOUND") || codes.includes("EAI_AGAIN")) {
    return new StartupError(`${hostSet}: no such host name. Give an IP address with ${viaHost}`)
  }
  return new StartupError(
    `${hostSet} ${portSet}: could not listen: ${firstLine(error)}. Check ${viaHost} and ${viaPort}`
  )
}

/**
 * The PostgreSQL database at `databaseUrl` could not be reached, logged into or migrated. The
 * URL is shown without its password; the codes are node's and PostgreSQL's SQLSTATEs.
 */
const postgresFailure = (error: unknown, databaseUrl: string): StartupError => {
  const codes = codesOf(error)
  const has = (...wanted: Array<string>) => wanted.some((c) => codes.includes(c))
  const shown = shownDatabaseUrl(databaseUrl)
  let where = "the server"
  try {
    const url = new URL(databaseUrl)
    where = `${url.hostname}:${url.port || "5432"}`
  } catch {}
  const why = has("ECONNREFUSED", "EHOSTUNREACH", "ETIMEDOUT")
    ? `no PostgreSQL server answers at ${where}`
    : has("ENOTFOUND", "EAI_AGAIN")
      ? `no such host ${where}`
      : has("28P01", "28000")
        ? "PostgreSQL refused the user name or password"
        : has("3D000")
          ? "the database does not exist (create it first: createdb NAME)"
          : has("42501")
            ? "the user may not create tables in this database"
            : `could not use the database: ${firstLine(error)}`
  return new StartupError(
    `--db ${shown}: ${why}. Point --db (PUSHBACK_DATABASE_URL) at a reachable PostgreSQL database: postgres://USER:PASSWORD@HOST:PORT/DATABASE`
  )
}
