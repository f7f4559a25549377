/**
 * The `pushback` CLI: first start generates and prints the admin token once, `apps` and
 * `token` act on the same database, an app deleted by the CLI has its live sessions closed by
 * the running server, bad commands fail with a clear message and exit 1.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CLI_PATH, connectWs, request, startServer } from "@pushback/testkit"
import { afterAll, describe, expect, it } from "vitest"
import { command } from "../../../../scripts/vitest/command.mjs"

const dir = mkdtempSync(join(tmpdir(), "pushback-cli-"))
const db = `sqlite:${join(dir, "pushback.db")}`
const env = { ...process.env, PUSHBACK_ADMIN_TOKEN: "" }
const cli = (...args: Array<string>) => command(process.execPath, [CLI_PATH, ...args, "--db", db], { env })

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("pushback CLI", () => {
  it("creates, lists and deletes apps, and mints tokens the server accepts", async () => {
    const created = await cli("apps", "create", "My", "App")
    expect(created.status).toBe(0)
    const app = JSON.parse(created.stdout) as { id: string; name: string; secret: string }
    expect(app.name).toBe("My App")
    expect(app.secret.startsWith(`${app.id}.`)).toBe(true)
    expect((await cli("apps", "list")).stdout).toContain(app.id)

    const token = await cli("token", app.id, "alice", "--ttl", "600")
    expect(token.status).toBe(0)
    const server = await startServer({ dataDir: dir, env: { PUSHBACK_ADMIN_TOKEN: "" } })
    try {
      const counts = await request(server.url, "GET", "/v1/me/counts", { token: token.stdout.trim() })
      expect(counts.status).toBe(200)
      // The admin token was generated on this first start, printed once and kept.
      const kept = readFileSync(join(dir, "admin-token"), "utf8").trim()
      expect(server.output()).toContain(kept)
      const apps = await request<{ apps: Array<{ id: string }> }>(server.url, "GET", "/v1/apps", {
        token: kept
      })
      expect(apps.body.apps.map((a) => a.id)).toContain(app.id)
      const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${token.stdout.trim()}`)
      expect(await ws.next()).toMatchObject({ type: "welcome", user: "alice" })
      await ws.close()
    } finally {
      await server.stop()
    }
    const second = await startServer({ dataDir: dir, env: { PUSHBACK_ADMIN_TOKEN: "" } })
    expect(second.output()).not.toContain(readFileSync(join(dir, "admin-token"), "utf8").trim())
    await second.stop()

    expect((await cli("apps", "delete", app.id)).status).toBe(0)
    expect((await cli("apps", "list")).stdout).not.toContain(app.id)
  }, 180_000) // seven CLI processes and two server starts: 15 s alone, over 60 s beside the bench smoke test

  it("an app deleted by the CLI has its live sessions on the running server closed (4001) within 2 s", async () => {
    const app = JSON.parse((await cli("apps", "create", "Doomed")).stdout) as { id: string }
    const server = await startServer({ dataDir: dir, env: { PUSHBACK_ADMIN_TOKEN: "" } })
    try {
      const ws = await connectWs(
        `${server.wsUrl}/v1/ws?token=${(await cli("token", app.id, "bob")).stdout.trim()}`
      )
      await ws.next((f) => f.type === "welcome")
      expect((await cli("apps", "delete", app.id)).status).toBe(0)
      const deleted = Date.now()
      expect(await ws.closed).toEqual({ code: 4001, reason: "app deleted" })
      expect(Date.now() - deleted).toBeLessThan(2000)
    } finally {
      await server.stop()
    }
  }, 180_000) // seven CLI processes and two server starts: 15 s alone, over 60 s beside the bench smoke test

  it("fails clearly on bad commands and options", async () => {
    const unknown = await cli("frobnicate")
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toContain("unknown command")
    const noApp = await cli("token", "app_missing", "bob")
    expect(noApp.status).toBe(1)
    expect(noApp.stderr).toContain("no app app_missing")
    const badTtl = await cli("token", "app_x", "bob", "--ttl", "99999999")
    expect(badTtl.status).toBe(1)
    expect(badTtl.stderr).toContain("--ttl")
    const badPort = await command(process.execPath, [CLI_PATH, "serve", "--port", "70000", "--db", db], {
      env
    })
    expect(badPort.status).toBe(1)
    expect(badPort.stderr).toContain("port")
    expect(existsSync(join(dir, "pushback.db"))).toBe(true)
  }, 60_000) // four CLI processes
})
