/**
 * The React chat example as its README starts it, next to a running server: `vite` (its dev
 * server, with the example's backend as a plugin) against a real PushBack server. On its first
 * start it makes its app and the Welcome conversation of ana and bo with one system message;
 * `/api/session` answers a user token that reads that conversation; `/api/conversations` makes
 * the conversation of two users once. Started a second time, it finds its kept app and leaves
 * Welcome as it was (no second system message). The page itself is tested in chat.test.ts.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { request, useServer } from "@pushback/testkit"
import { afterAll, expect, it } from "vitest"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")
const example = join(root, "examples/react-chat")
const vite = join(
  dirname(createRequire(join(example, "package.json")).resolve("vite/package.json")),
  "bin/vite.js"
)
const work = mkdtempSync(join(tmpdir(), "pushback-react-chat-dev-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Everything PushBack-related is passed explicitly: nothing of the test run's own leaks in. */
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PUSHBACK_")))

/** Starts the example's dev server; resolves with its URL and how to stop it. */
const startExample = async (env: Record<string, string>) => {
  const child: ChildProcess = spawn(
    process.execPath,
    [vite, "--host", "127.0.0.1", "--port", "0", "--strictPort", "--clearScreen", "false"],
    { cwd: example, env: { ...baseEnv, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] }
  )
  const exited = new Promise<number | null>((done) => child.once("exit", done))
  let output = ""
  const url = await new Promise<string>((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Local:\s+(http:\/\/\S+?)\/?\s/.exec(output)
      if (match) done(match[1]!)
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    void exited.then((code) => fail(new Error(`vite exited (${code}):\n${output}`)))
  })
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      await exited
    }
  }
}

const server = useServer()

it("starts next to the server: its app, the Welcome conversation, sessions and new conversations", async () => {
  const env = {
    PUSHBACK_URL: server.url,
    PUSHBACK_ADMIN_TOKEN: server.adminToken,
    PUSHBACK_APP_FILE: join(work, "app.json")
  }
  const first = await startExample(env)
  let secret: string
  try {
    secret = (JSON.parse(readFileSync(env.PUSHBACK_APP_FILE, "utf8")) as { secret: string }).secret
    const session = await (await fetch(`${first.url}/api/session?user=ana`)).json()
    expect(session).toMatchObject({ url: server.url, user: "ana", token: expect.any(String) })
    const mine = await request<{
      results: Array<{ id: string; unread: number; lastMessage: { text: string } }>
    }>(server.url, "GET", "/v1/me/conversations", { token: session.token })
    expect(mine.body.results).toMatchObject([
      { id: "welcome", unread: 1, lastMessage: { text: "Ana and Bo: open both windows and say hello." } }
    ])
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${first.url}/api/conversations?user=ana`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ with: "cy" })
      })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ id: "dm:ana:cy" })
    }
    const page = await fetch(`${first.url}/?user=ana`)
    expect(page.status).toBe(200)
  } finally {
    await first.stop()
  }
  const second = await startExample(env)
  await second.stop()
  const welcome = await request<{ lastSeq: number }>(server.url, "GET", "/v1/conversations/welcome", {
    token: secret
  })
  expect(welcome.body.lastSeq).toBe(1)
  const dm = await request<{ members: Array<{ user: string }> }>(
    server.url,
    "GET",
    "/v1/conversations/dm:ana:cy",
    {
      token: secret
    }
  )
  expect(dm.body.members.map((m) => m.user)).toEqual(["ana", "cy"])
}, 60_000)
