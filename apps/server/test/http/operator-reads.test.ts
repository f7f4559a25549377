/**
 * The operator's read API for the dashboard (PROTOCOL.md §8, admin token): an app with its
 * counts, its users (search, paging, online), its recent calls newest first with their counts,
 * its live connections by transport and node, and a test notification sent as the app.
 */
import { connectWs, eventually, localToken, request, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { connectSse } from "../transports/clients.js"
import { expectBadField, expectError, expectOk } from "./helpers.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("operator-reads")
  await server.registerUsers(app, [
    { id: "ann", email: "ann@example.com", name: "Ann Lee" },
    { id: "bob", email: "bob@example.com", name: "Bob" },
    { id: "cyd", email: "cyd@corp.example", name: "Cyd 100%_done" }
  ])
})

const admin = <T>(method: string, path: string, body?: unknown) =>
  request<T>(server.url, method, path, { token: server.adminToken, ...(body === undefined ? {} : { body }) })

interface Page<T> {
  count: number
  results: Array<T>
}

describe("the operator's view of an app", () => {
  it("GET /v1/apps/{appId}: the app with its counts and event types", async () => {
    expectOk(
      await request(server.url, "PUT", "/v1/event-types/welcome", {
        token: app.secret,
        body: { title: "Welcome" }
      })
    )
    const body = expectOk(await admin<Record<string, unknown>>("GET", `/v1/apps/${app.id}`))
    expect(body).toMatchObject({
      id: app.id,
      name: "operator-reads",
      eventTypes: [{ name: "welcome", title: "Welcome", description: null }]
    })
    expect(body["counts"]).toMatchObject({ users: 3, onlineUsers: 0, connections: 0 })
    expect(body).not.toHaveProperty("secret")
  })

  it("GET /v1/apps/{appId}/users: pages, searches id, email and name in any case, shows who is online", async () => {
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(localToken(app, "bob"))}`)
    try {
      await ws.next((f) => f.type === "welcome")
      const all = expectOk(
        await admin<Page<{ id: string; online: boolean }>>("GET", `/v1/apps/${app.id}/users`)
      )
      expect(all.count).toBe(3)
      expect(all.results.map((u) => [u.id, u.online])).toEqual([
        ["ann", false],
        ["bob", true],
        ["cyd", false]
      ])
      const page = expectOk(
        await admin<Page<{ id: string }>>("GET", `/v1/apps/${app.id}/users?limit=1&offset=1`)
      )
      expect(page).toMatchObject({ count: 3, results: [{ id: "bob" }] })
      const search = async (q: string) =>
        expectOk(
          await admin<Page<{ id: string }>>("GET", `/v1/apps/${app.id}/users?search=${encodeURIComponent(q)}`)
        ).results.map((u) => u.id)
      expect(await search("EXAMPLE.COM")).toEqual(["ann", "bob"])
      expect(await search("lee")).toEqual(["ann"])
      expect(await search("corp")).toEqual(["cyd"])
      expect(await search("%_")).toEqual(["cyd"])
      expect(await search("_")).toEqual(["cyd"])
      expect(await search("nobody")).toEqual([])
    } finally {
      await ws.close()
    }
  })

  it("GET /v1/apps/{appId}/calls: newest first, with recipients, online, delivered, seen and read", async () => {
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(localToken(app, "ann"))}`)
    try {
      await ws.next((f) => f.type === "welcome")
      const first = await server.notify(app, { users: ["ann", "bob"], title: "First", content: "1" })
      await ws.next((f) => f.type === "notification")
      const second = await server.notify(app, { users: ["cyd"], content: "2" })
      const token = localToken(app, "ann")
      const inbox = expectOk(
        await request<Page<{ id: string }>>(server.url, "GET", "/v1/me/notifications", { token })
      )
      expectOk(
        await request(server.url, "PATCH", `/v1/me/notifications/${inbox.results[0]!.id}`, {
          token,
          body: { read: true }
        })
      )
      const calls = async () =>
        expectOk(await admin<Page<Record<string, unknown>>>("GET", `/v1/apps/${app.id}/calls`))
      await eventually(async () => (await calls()).results[1]?.["delivered"] === 1, {
        what: "the delivery to be counted"
      })
      const body = await calls()
      expect(body.count).toBe(2)
      expect(body.results.map((c) => c["id"])).toEqual([second.id, first.id])
      expect(body.results[1]).toMatchObject({
        id: first.id,
        title: "First",
        type: null,
        recipients: 2,
        online: 1,
        delivered: 1,
        seen: 1,
        read: 1
      })
      expect(body.results[0]).toMatchObject({ recipients: 1, online: 0, delivered: 0, seen: 0, read: 0 })
      // One call, as GET /v1/notify/{callId} shows it to the backend.
      const detail = expectOk(
        await admin<Record<string, unknown>>("GET", `/v1/apps/${app.id}/calls/${first.id}`)
      )
      const asBackend = expectOk(
        await request<Record<string, unknown>>(server.url, "GET", `/v1/notify/${first.id}`, {
          token: app.secret
        })
      )
      expect(detail).toEqual(asBackend)
      expect(detail).toMatchObject({ id: first.id, recipients: 2, online: 1 })
      expectError(await admin("GET", `/v1/apps/${app.id}/calls/call_missing`), 404, "not_found")
      const paged = expectOk(
        await admin<Page<{ id: string }>>("GET", `/v1/apps/${app.id}/calls?limit=1&offset=1`)
      )
      expect(paged.results.map((c) => c.id)).toEqual([first.id])
    } finally {
      await ws.close()
    }
  })

  it("GET /v1/apps/{appId}/connections: live sessions by transport and node", async () => {
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(localToken(app, "ann"))}`)
    const sse = await connectSse(`${server.url}/v1/sse?token=${encodeURIComponent(localToken(app, "bob"))}`)
    try {
      await ws.next((f) => f.type === "welcome")
      await sse.next((f) => f.type === "welcome")
      const body = expectOk(
        await admin<{
          connections: number
          onlineUsers: number
          byTransport: Record<string, number>
          byNode: Record<string, number>
          results: Array<{ user: string; transport: string; node: string; since: string; session: string }>
        }>("GET", `/v1/apps/${app.id}/connections`)
      )
      expect(body).toMatchObject({ connections: 2, onlineUsers: 2, byTransport: { ws: 1, sse: 1, poll: 0 } })
      expect(Object.values(body.byNode)).toEqual([2])
      expect(body.results.map((c) => [c.user, c.transport]).sort()).toEqual([
        ["ann", "ws"],
        ["bob", "sse"]
      ])
      for (const c of body.results) {
        expect(Object.keys(body.byNode)).toContain(c.node)
        expect(Date.parse(c.since)).toBeGreaterThan(Date.now() - 60_000)
      }
    } finally {
      await Promise.all([ws.close(), sse.close()])
    }
  })

  it("POST /v1/apps/{appId}/notify sends as the app: the user gets it, the stats count it", async () => {
    const before = expectOk(await admin<{ notifications: number }>("GET", `/v1/apps/${app.id}/stats`))
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(localToken(app, "cyd"))}`)
    try {
      await ws.next((f) => f.type === "welcome")
      const answer = expectOk(
        await admin<{ recipients: number; online: number }>("POST", `/v1/apps/${app.id}/notify`, {
          users: ["cyd"],
          title: "Test",
          content: "from the dashboard"
        }),
        202
      )
      expect(answer).toMatchObject({ recipients: 1, online: 1 })
      const frame = await ws.next((f) => f.type === "notification")
      expect(frame["notification"]).toMatchObject({ title: "Test", content: "from the dashboard" })
      const after = expectOk(await admin<{ notifications: number }>("GET", `/v1/apps/${app.id}/stats`))
      expect(after.notifications).toBe(before.notifications + 1)
    } finally {
      await ws.close()
    }
    expectBadField(await admin("POST", `/v1/apps/${app.id}/notify`, { users: ["cyd"] }), "content")
  })

  it("needs the admin token, answers 404 for an unknown app and 400 for bad paging", async () => {
    for (const path of ["", "/users", "/calls", "/connections", "/stats"]) {
      expectError(
        await request(server.url, "GET", `/v1/apps/${app.id}${path}`, { token: app.secret }),
        401,
        "unauthorized"
      )
      expectError(await admin("GET", `/v1/apps/app_missing${path}`), 404, "not_found")
    }
    expectError(
      await request(server.url, "POST", `/v1/apps/${app.id}/notify`, {
        token: app.secret,
        body: { content: "x" }
      }),
      401,
      "unauthorized"
    )
    expectBadField(await admin("GET", `/v1/apps/${app.id}/users?limit=0`), "limit")
    expectBadField(await admin("GET", `/v1/apps/${app.id}/calls?offset=-1`), "offset")
    expectBadField(await admin("GET", `/v1/apps/${app.id}/users?search=${"x".repeat(129)}`), "search")
  })
})
