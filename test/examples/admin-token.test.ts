/**
 * The two examples get their PushBack app the same documented way, whichever is tried first:
 * next to a server started with plain `pnpm start`, each creates its app with the admin token the
 * server keeps in data/admin-token (examples/shared/localApp.js). They used to disagree: the
 * Express example's README started the server with PUSHBACK_ADMIN_TOKEN=dev-admin-token, which
 * silently differs from data/admin-token, and the React example then died with "an admin token
 * is required" (and its README named the wrong token file).
 *
 * Each example runs as its own process: the Express backend with node, the React inbox's dev
 * backend inside Vite's dev server, both against a real PushBack server.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { request, startServer, type TestServer, useServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")
const reactInbox = join(root, "examples/react-inbox")
const vite = join(
  dirname(createRequire(join(reactInbox, "package.json")).resolve("vite/package.json")),
  "bin/vite.js"
)

/** How each example is started, and the line it prints once its backend answers. */
const EXAMPLES = {
  express: {
    args: [join(root, "examples/express-backend/src/server.js")],
    cwd: root,
    ready: /example backend on (http:\/\/\S+)/,
    check: (url: string) => fetch(`${url}/`)
  },
  react: {
    args: [vite, "--host", "127.0.0.1", "--port", "0", "--strictPort", "--clearScreen", "false"],
    cwd: reactInbox,
    ready: /Local:\s+(http:\/\/\S+?)\/?\s/,
    check: (url: string) => fetch(`${url}/api/session?user=alice`)
  }
} as const
type Example = keyof typeof EXAMPLES

const work = mkdtempSync(join(tmpdir(), "pushback-examples-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Everything PushBack-related is passed explicitly: nothing of the test run's own leaks in. */
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PUSHBACK_")))

interface Run {
  readonly child: ChildProcess
  readonly output: () => string
  /** The URL it printed once ready, or the exit code when it stopped first. */
  readonly outcome: Promise<{ url: string } | { code: number | null }>
  readonly stop: () => Promise<void>
}

const run = (example: Example, env: Record<string, string>): Run => {
  const { args, cwd, ready } = EXAMPLES[example]
  const child = spawn(process.execPath, [...args], {
    cwd,
    env: { ...baseEnv, NO_COLOR: "1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  const exited = new Promise<number | null>((done) => child.once("exit", done))
  const outcome = new Promise<{ url: string } | { code: number | null }>((done) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = ready.exec(output)
      if (match) done({ url: match[1]! })
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    void exited.then((code) => done({ code }))
  })
  return {
    child,
    output: () => output,
    outcome,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      await exited
    }
  }
}

/** Starts `example`, expects it to come up with its app and answer, and stops it. */
const expectWorks = async (example: Example, env: Record<string, string>) => {
  const started = run(example, env)
  try {
    const outcome = await started.outcome
    expect("url" in outcome, `${example} did not start:\n${started.output()}`).toBe(true)
    const res = await EXAMPLES[example].check((outcome as { url: string }).url)
    expect(res.status, `${example}: ${await res.text()}\n${started.output()}`).toBe(200)
  } finally {
    await started.stop()
  }
}

/** The admin API's list of app names. */
const appNames = async (server: TestServer, token: string) =>
  (await request<{ apps: Array<{ name: string }> }>(server.url, "GET", "/v1/apps", { token })).body.apps.map(
    (a) => a.name
  )

describe("next to a server started with plain `pnpm start` (admin token generated, kept in data/)", () => {
  const server = useServer({ env: { PUSHBACK_ADMIN_TOKEN: "" } })
  let token: string
  beforeAll(() => {
    token = readFileSync(join(server.dataDir, "admin-token"), "utf8").trim()
  })

  for (const order of [
    ["express", "react"],
    ["react", "express"]
  ] as const) {
    it(`${order.join(" then ")}: each creates its app with the kept token, then finds it again`, async () => {
      const dir = mkdtempSync(join(work, `${order[0]}-first-`))
      // What `pnpm start` from the root gives: the token in <root>/data/admin-token. The test
      // points the examples at this server's file instead of the repository's.
      const envOf = (example: Example) => ({
        PUSHBACK_URL: server.url,
        PUSHBACK_ADMIN_TOKEN_FILE: join(server.dataDir, "admin-token"),
        PUSHBACK_APP_FILE: join(dir, `${example}.json`)
      })
      for (const example of order) await expectWorks(example, envOf(example))
      for (const example of order) await expectWorks(example, envOf(example)) // their kept apps
      const names = await appNames(server, token)
      expect(names.filter((n) => n === "express-backend-example").length).toBeGreaterThanOrEqual(1)
      expect(names.filter((n) => n === "react-inbox-example").length).toBeGreaterThanOrEqual(1)
    })
  }

  it("the token file is where `pnpm start` keeps it: data/admin-token at the repository root", async () => {
    const { ADMIN_TOKEN_FILE } = (await import("../../examples/shared/localApp.js")) as {
      ADMIN_TOKEN_FILE: string
    }
    expect(ADMIN_TOKEN_FILE).toBe(join(root, "data", "admin-token"))
    // `pnpm start` runs the server from the root with its default database, ./data/pushback.db
    // (on 127.0.0.1: `--local`, issue 26), no `--data` or `--db` of its own
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { start: string } }
    expect(pkg.scripts.start).toMatch(/(cli\.js|pushback) serve --local$/)
  })
})

describe("next to a server started with its own PUSHBACK_ADMIN_TOKEN", () => {
  let server: TestServer
  beforeAll(async () => {
    // the case: a kept data/admin-token from an earlier start, and another token set now
    server = await startServer({ env: { PUSHBACK_ADMIN_TOKEN: "" } })
    await server.stop()
    server = await startServer({ dataDir: server.dataDir, env: { PUSHBACK_ADMIN_TOKEN: "dev-admin-token" } })
  })
  afterAll(() => server?.dispose())

  it.each(["express", "react"] as const)(
    "%s says the kept token was refused and what to do, instead of 'an admin token is required'",
    async (example) => {
      const started = run(example, {
        PUSHBACK_URL: server.url,
        PUSHBACK_ADMIN_TOKEN_FILE: join(server.dataDir, "admin-token"),
        PUSHBACK_APP_FILE: join(work, `refused-${example}.json`)
      })
      const outcome = await started.outcome
      expect(outcome, started.output()).toEqual({ code: 1 })
      expect(started.output()).toContain("was refused")
      expect(started.output()).toContain("give the examples the same PUSHBACK_ADMIN_TOKEN")
      expect(started.output()).not.toContain("    at ")
    }
  )

  it.each(["express", "react"] as const)("%s works given the same PUSHBACK_ADMIN_TOKEN", async (example) => {
    await expectWorks(example, {
      PUSHBACK_URL: server.url,
      PUSHBACK_ADMIN_TOKEN: "dev-admin-token",
      PUSHBACK_APP_FILE: join(work, `same-${example}.json`)
    })
  })
})
