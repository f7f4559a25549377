/**
 * Every start-up failure of `pushback serve` is one clear line on stderr naming the option to
 * change, with exit code 1 and no stack trace. A port already in use and a database path under a
 * file used to print a raw stack. A failed first start leaves no admin token behind unprinted.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CLI_PATH, configFile, startServer, useServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CommandResult, command } from "../../../../scripts/vitest/command.mjs"

const dir = mkdtempSync(join(tmpdir(), "pushback-startup-"))
/** A server holding a port, for the port-in-use case. */
const running = useServer()

beforeAll(() => {
  writeFileSync(join(dir, "a-file"), "I am a file\n")
  writeFileSync(join(dir, "not-a-db.db"), "plain text, not SQLite ".repeat(20))
  mkdirSync(join(dir, "a-directory.db"))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The `pushback` CLI with exactly these arguments and variables, to its exit. */
const cli = (args: Array<string>, env: Record<string, string> = {}) =>
  command(process.execPath, [CLI_PATH, ...args], {
    env: { ...process.env, PUSHBACK_ADMIN_TOKEN: "startup-test-token", ...env },
    timeoutMs: 20_000
  })

/** `pushback serve` on a free loopback port, with these arguments and variables. */
const serve = (args: Array<string>, env: Record<string, string> = {}) =>
  cli(["serve", "--host", "127.0.0.1", "--port", "0", ...args], env)

/** Exit 1, nothing on stdout, exactly one line on stderr that names `option` and says `why`. */
const expectOneLine = (result: CommandResult, option: string, why: RegExp): string => {
  const label = `stderr: ${result.stderr}\nstdout: ${result.stdout}`
  expect(result.status, label).toBe(1)
  expect(result.stdout, label).not.toContain("ready on")
  const lines = result.stderr.split("\n").filter((l) => l.trim() !== "")
  expect(lines, label).toHaveLength(1)
  const line = lines[0]!
  expect(line.startsWith("pushback: "), label).toBe(true)
  expect(line, label).toContain(option)
  expect(line, label).toMatch(why)
  expect(line, label).not.toMatch(/\bat .*:\d+:\d+|Error:|node:internal|FiberFailure/)
  return line
}

const db = (path: string) => `sqlite:${join(dir, path)}`

describe("the listening socket", { timeout: 60_000 }, () => {
  it("a port already in use names --port (was a stack trace)", async () => {
    const result = await serve(["--port", String(running.port), "--db", db("in-use/pushback.db")])
    expectOneLine(result, `--port ${running.port}`, /already in use/)
  })

  // Issue 26: a busy port set through PUSHBACK_PORT was reported as --port.
  it("a port already in use that PUSHBACK_PORT (or a config file) chose names that", async () => {
    const env = { PUSHBACK_PORT: String(running.port), PUSHBACK_HOST: "127.0.0.1" }
    const line = expectOneLine(
      await cli(["serve", "--db", db("in-use-env/pushback.db")], env),
      `PUSHBACK_PORT=${running.port}`,
      /already in use/
    )
    expect(line).not.toContain("--port ")
    const file = join(dir, "port.json")
    writeFileSync(file, JSON.stringify({ port: running.port, host: "127.0.0.1" }))
    expectOneLine(
      await cli(["serve", "--config", file, "--db", db("in-use-file/pushback.db")]),
      `"port" in ${file} (${running.port})`,
      /already in use/
    )
  })

  it("a host that is not an address of this machine names --host", async () => {
    expectOneLine(
      await serve(["--host", "203.0.113.7", "--db", db("host/pushback.db")]),
      "--host 203.0.113.7",
      /not an address/
    )
  })

  it("a port out of range names where it came from", async () => {
    expectOneLine(await serve(["--port", "70000"]), "--port", /0 to 65535/)
    expectOneLine(
      await cli(["serve", "--db", db("env/pushback.db")], { PUSHBACK_PORT: "eighty" }),
      "PUSHBACK_PORT",
      /0 to 65535/
    )
  })
})

describe("the database", { timeout: 60_000 }, () => {
  it("a path under a file names --db, whether or not the admin token is given (was a stack trace)", async () => {
    for (const env of [{}, { PUSHBACK_ADMIN_TOKEN: "" }]) {
      expectOneLine(await serve(["--db", db("a-file/sub/pushback.db")], env), "--db", /a-file is a file/)
      expectOneLine(await serve(["--db", db("a-file/pushback.db")], env), "--db", /a-file is a file/)
    }
  })

  it("a file that is not a SQLite database names --db", async () => {
    expectOneLine(await serve(["--db", db("not-a-db.db")]), "--db", /not a SQLite database/)
  })

  it("a directory where the database file goes names --db", async () => {
    expectOneLine(await serve(["--db", db("a-directory.db")]), "--db", /is a directory/)
  })

  it("an unsupported database names --db without repeating the URL's password", async () => {
    const line = expectOneLine(
      await serve(["--db", "mysql://app:s3cret-pw@db.internal/pushback"]),
      "--db",
      /sqlite:/
    )
    expect(line).not.toContain("s3cret-pw")
  })

  it("an unreachable PostgreSQL names --db and the address, without the password", async () => {
    const line = expectOneLine(
      await serve(["--db", "postgres://app:s3cret-pw@127.0.0.1:1/pushback"]),
      "--db",
      /no PostgreSQL server answers at 127\.0\.0\.1:1/
    )
    expect(line).not.toContain("s3cret-pw")
  })

  it("--redis with a sqlite: database is refused: SQLite is one node", async () => {
    expectOneLine(
      await serve(["--db", db("one.db"), "--redis", "redis://127.0.0.1:1"]),
      "--redis",
      /one node/
    )
  })

  it("the other commands say the same", async () => {
    expectOneLine(await cli(["apps", "list", "--db", db("a-file/x.db")]), "--db", /a-file is a file/)
  })
})

describe("the configuration", { timeout: 60_000 }, () => {
  it("a missing or malformed config file names --config", async () => {
    expectOneLine(await serve(["--config", join(dir, "missing.json")]), "--config", /no such file/)
    const bad = join(dir, "bad.json")
    writeFileSync(bad, "{ not json")
    expectOneLine(await serve(["--config", bad]), "--config", /not a JSON object/)
    expectOneLine(await serve([], { PUSHBACK_CONFIG: bad }), "PUSHBACK_CONFIG", /not a JSON object/)
  })

  it("a bad setting in the config file names the key and the file", async () => {
    const port = configFile({ port: "http", db: db("cfg/pushback.db") })
    expectOneLine(await cli(["serve", "--config", port]), `"port" in ${port}`, /0 to 65535/)
    const limit = configFile({ limits: { bogus: 1 } })
    expectOneLine(await serve(["--config", limit]), `"limits.bogus" in ${limit}`, /unknown limit/)
    expectOneLine(
      await serve([], { PUSHBACK_MAX_POLLS_PER_USER: "0" }),
      "PUSHBACK_MAX_POLLS_PER_USER",
      /1 or more/
    )
  })
})

describe("a first start that fails", { timeout: 60_000 }, () => {
  it("keeps no generated admin token, so the next start generates and prints one", async () => {
    const dataDir = join(dir, "first-start")
    const result = await serve(
      ["--port", String(running.port), "--db", `sqlite:${join(dataDir, "pushback.db")}`],
      {
        PUSHBACK_ADMIN_TOKEN: ""
      }
    )
    expectOneLine(result, "--port", /already in use/)
    expect(existsSync(join(dataDir, "admin-token"))).toBe(false)
    await using server = await startServer({ dataDir, env: { PUSHBACK_ADMIN_TOKEN: "" } })
    expect(server.output()).toContain("generated an admin token")
  })
})
