/**
 * GET /v1/stats (PROTOCOL.md §3.2) and the status and operations endpoints (§3.4).
 */
import { connectWs, eventually, localToken, request, useServer } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { expectOk, inbox, stats } from "./helpers.js"

const server = useServer()

const STATS_KEYS = ["connections", "delivered", "notifications", "onlineUsers", "read", "seen", "users"]

describe("GET /v1/stats", () => {
  it("a new app has every counter at zero", async () => {
    const app = await server.newApp("stats-zero")
    const body = await stats(server.url, app)
    expect(Object.keys(body).sort()).toEqual(STATS_KEYS)
    for (const key of STATS_KEYS) expect(body[key], key).toBe(0)
  })

  it("counts users, notifications, seen, read, online users, connections and live deliveries", async () => {
    const app = await server.newApp("stats-counts")
    await server.registerUsers(app, ["u1", "u2", "u3"])
    expect(await stats(server.url, app)).toMatchObject({ users: 3, notifications: 0, seen: 0, read: 0 })

    await server.notify(app, { users: ["u1", "u2"], content: "x" })
    await server.notify(app, { users: ["u1"], content: "y" })
    expect(await stats(server.url, app)).toMatchObject({ users: 3, notifications: 3, delivered: 0 })

    const t1 = localToken(app, "u1")
    const [newest, older] = (await inbox(server.url, t1)).results
    expectOk(
      await request(server.url, "PATCH", `/v1/me/notifications/${older!.id}`, {
        token: t1,
        body: { seen: true }
      })
    )
    expect(await stats(server.url, app)).toMatchObject({ seen: 1, read: 0 })
    expectOk(
      await request(server.url, "PATCH", `/v1/me/notifications/${older!.id}`, {
        token: t1,
        body: { read: true }
      })
    )
    expect(await stats(server.url, app)).toMatchObject({ seen: 1, read: 1 })
    expect(newest!.seenAt).toBeNull()

    const a = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(t1)}`)
    const b = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(t1)}`)
    const c = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(localToken(app, "u2"))}`)
    try {
      for (const ws of [a, b, c]) await ws.next((f) => f.type === "welcome")
      expect(await stats(server.url, app)).toMatchObject({ onlineUsers: 2, connections: 3 })
      await server.notify(app, { users: ["u1"], content: "live" })
      await a.next((f) => f.type === "notification")
      await b.next((f) => f.type === "notification")
      await eventually(async () => (await stats(server.url, app))["delivered"]! >= 1, {
        what: "delivered to count up"
      })
      expect((await stats(server.url, app))["notifications"]).toBe(4)
    } finally {
      await Promise.all([a.close(), b.close(), c.close()])
    }
    await eventually(
      async () => {
        const s = await stats(server.url, app)
        return s["connections"] === 0 && s["onlineUsers"] === 0
      },
      { what: "connections to drop to 0 after closing" }
    )

    expect((await request(server.url, "DELETE", "/v1/users/u3", { token: app.secret })).status).toBe(204)
    expect((await stats(server.url, app))["users"]).toBe(2)
  })
})

describe("status (no credential)", () => {
  it("GET /v1/status/ping → 200 {ok: true}", async () => {
    const res = await request(server.url, "GET", "/v1/status/ping")
    expect(expectOk(res)).toEqual({ ok: true })
  })

  it("GET /v1/status/info → 200 {name: 'pushback', version}", async () => {
    const body = expectOk(
      await request<{ name: string; version: string }>(server.url, "GET", "/v1/status/info")
    )
    expect(Object.keys(body).sort()).toEqual(["name", "version"])
    expect(body.name).toBe("pushback")
    expect(typeof body.version).toBe("string")
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/)
  })

  it("GET /healthz and GET /readyz → 200", async () => {
    expect((await request(server.url, "GET", "/healthz")).status).toBe(200)
    expect((await request(server.url, "GET", "/readyz")).status).toBe(200)
  })

  it("status endpoints need no credential and ignore a bogus one", async () => {
    for (const path of ["/v1/status/ping", "/v1/status/info", "/healthz", "/readyz", "/metrics"]) {
      expect((await request(server.url, "GET", path, { token: "garbage" })).status, path).toBe(200)
    }
  })

  it("GET /metrics → 200 Prometheus text exposition", async () => {
    // make something happen first
    const app = await server.newApp("metrics")
    await server.notify(app, { users: ["m"], content: "x" })
    const res = await request(server.url, "GET", "/metrics")
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type") ?? "").toMatch(/^text\/plain/)
    const lines = res.text.split("\n").filter((l) => l.length > 0)
    expect(lines.some((l) => l.startsWith("# TYPE "))).toBe(true)
    const samples = lines.filter((l) => !l.startsWith("#"))
    expect(samples.length).toBeGreaterThan(0)
    const sample =
      /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+]?([0-9.eE+-]+|NaN|\+Inf|-Inf)( \d+)?$/
    for (const line of samples) expect(line, "metric sample line").toMatch(sample)
    for (const line of lines.filter((l) => l.startsWith("# TYPE "))) {
      expect(line).toMatch(/^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/)
    }
    // no credential leaks into metrics
    expect(res.text).not.toContain(app.secret)
  })
})
