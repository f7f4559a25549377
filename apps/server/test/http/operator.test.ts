/**
 * Operator API (PROTOCOL.md §3.1): apps, secret rotation, deletion, error bodies.
 */
import { connectWs, localToken, request, useServer } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import {
  expectAlive,
  expectBadField,
  expectError,
  expectErrorShape,
  expectOk,
  expectTimestamp
} from "./helpers.js"

const server = useServer()

const admin = () => server.adminToken

interface Created {
  id: string
  name: string
  secret: string
  createdAt: string
}

describe("POST /v1/apps", () => {
  it("creates an app: 201 {id, name, secret, createdAt}; the secret is `<id>.` and 32+ base64url chars", async () => {
    const res = await request<Created>(server.url, "POST", "/v1/apps", {
      token: admin(),
      body: { name: "shop" }
    })
    const app = expectOk(res, 201)
    expect(Object.keys(app).sort()).toEqual(["createdAt", "id", "name", "secret"])
    expect(app.name).toBe("shop")
    expect(typeof app.id).toBe("string")
    expect(app.id.length).toBeGreaterThan(0)
    expect(app.secret.startsWith(`${app.id}.`)).toBe(true)
    expect(app.secret.slice(app.id.length + 1)).toMatch(/^[A-Za-z0-9_-]{32,}$/)
    expectTimestamp(app.createdAt)
  })

  it("gives every app its own id and secret, even with the same name", async () => {
    const a = await server.newApp("twin")
    const b = await server.newApp("twin")
    expect(a.id).not.toBe(b.id)
    expect(a.secret).not.toBe(b.secret)
    expect(a.secret.slice(a.id.length + 1)).not.toBe(b.secret.slice(b.id.length + 1))
  })

  it("the new secret works on the backend API at once", async () => {
    const app = await server.newApp("works")
    const res = await request(server.url, "GET", "/v1/users", { token: app.secret })
    expect(expectOk(res)).toEqual({ count: 0, results: [] })
  })

  it("refuses a body without a name, or with a non-string name: 400 naming `name`", async () => {
    const before = expectOk(
      await request<{ apps: unknown[] }>(server.url, "GET", "/v1/apps", { token: admin() })
    )
    expectBadField(await request(server.url, "POST", "/v1/apps", { token: admin(), body: {} }), "name")
    expectBadField(
      await request(server.url, "POST", "/v1/apps", { token: admin(), body: { name: 42 } }),
      "name"
    )
    expectBadField(
      await request(server.url, "POST", "/v1/apps", { token: admin(), body: { name: null } }),
      "name"
    )
    const after = expectOk(
      await request<{ apps: unknown[] }>(server.url, "GET", "/v1/apps", { token: admin() })
    )
    expect(after.apps.length).toBe(before.apps.length)
  })

  it("refuses malformed JSON with 400 and creates nothing", async () => {
    const before = expectOk(
      await request<{ apps: unknown[] }>(server.url, "GET", "/v1/apps", { token: admin() })
    )
    expectError(
      await request(server.url, "POST", "/v1/apps", { token: admin(), rawBody: '{"name": "x"' }),
      400,
      "bad_request"
    )
    const after = expectOk(
      await request<{ apps: unknown[] }>(server.url, "GET", "/v1/apps", { token: admin() })
    )
    expect(after.apps.length).toBe(before.apps.length)
  })
})

describe("GET /v1/apps", () => {
  it("lists every app as {id, name, createdAt}, never with its secret", async () => {
    const a = await server.newApp("listed-a")
    const b = await server.newApp("listed-b")
    const res = await request<{ apps: Array<Record<string, unknown>> }>(server.url, "GET", "/v1/apps", {
      token: admin()
    })
    const body = expectOk(res)
    expect(Object.keys(body)).toEqual(["apps"])
    const byId = new Map(body.apps.map((x) => [x["id"], x]))
    for (const app of [a, b]) {
      const listed = byId.get(app.id)
      expect(listed, `app ${app.id} listed`).toBeDefined()
      expect(listed!["name"]).toBe(app.name)
      expectTimestamp(listed!["createdAt"])
    }
    for (const listed of body.apps) {
      expect(Object.keys(listed).sort()).toEqual(["createdAt", "id", "name"])
    }
    expect(res.text).not.toContain(a.secret)
    expect(res.text).not.toContain(b.secret.slice(b.id.length + 1))
  })
})

describe("POST /v1/apps/{appId}/secret (rotation)", () => {
  it("answers 200 {secret} with a new secret of the same form", async () => {
    const app = await server.newApp("rotate-form")
    const res = await request<{ secret: string }>(server.url, "POST", `/v1/apps/${app.id}/secret`, {
      token: admin()
    })
    const body = expectOk(res)
    expect(Object.keys(body)).toEqual(["secret"])
    expect(body.secret).not.toBe(app.secret)
    expect(body.secret.startsWith(`${app.id}.`)).toBe(true)
    expect(body.secret.slice(app.id.length + 1)).toMatch(/^[A-Za-z0-9_-]{32,}$/)
  })

  it("old secret → 401, old user tokens → 401, the new secret and its tokens work, data is kept", async () => {
    const app = await server.newApp("rotate")
    await server.registerUsers(app, ["alice", "bob"])
    await server.notify(app, { users: ["alice"], content: "before rotation" })
    const oldMinted = await server.userToken(app, "alice")
    const oldLocal = localToken(app, "alice")
    // both old tokens work before the rotation
    expectOk(await request(server.url, "GET", "/v1/me/counts", { token: oldMinted }))
    expectOk(await request(server.url, "GET", "/v1/me/counts", { token: oldLocal }))

    const rotated = expectOk(
      await request<{ secret: string }>(server.url, "POST", `/v1/apps/${app.id}/secret`, { token: admin() })
    )
    const fresh = { ...app, secret: rotated.secret }

    expectError(await request(server.url, "GET", "/v1/users", { token: app.secret }), 401, "unauthorized")
    expectError(
      await request(server.url, "POST", "/v1/notify", { token: app.secret, body: { content: "x" } }),
      401,
      "unauthorized"
    )
    expectError(
      await request(server.url, "POST", "/v1/tokens", { token: app.secret, body: { user: "alice" } }),
      401,
      "unauthorized"
    )
    expectError(await request(server.url, "GET", "/v1/me/counts", { token: oldMinted }), 401, "unauthorized")
    expectError(await request(server.url, "GET", "/v1/me/counts", { token: oldLocal }), 401, "unauthorized")
    expectError(
      await request(server.url, "GET", "/v1/me/notifications", { token: oldLocal }),
      401,
      "unauthorized"
    )

    // the new secret works and sees the same data
    const users = expectOk(
      await request<{ count: number; results: Array<{ id: string }> }>(server.url, "GET", "/v1/users", {
        token: fresh.secret
      })
    )
    expect(users.count).toBe(2)
    expect(users.results.map((u) => u.id).sort()).toEqual(["alice", "bob"])
    const newToken = await server.userToken(fresh, "alice")
    const list = expectOk(
      await request<{ count: number; results: Array<{ content: unknown }> }>(
        server.url,
        "GET",
        "/v1/me/notifications",
        { token: newToken }
      )
    )
    expect(list.count).toBe(1)
    expect(list.results[0]!.content).toBe("before rotation")
    expectOk(await request(server.url, "GET", "/v1/me/counts", { token: localToken(fresh, "alice") }))
  })

  it("a second rotation retires the first new secret too", async () => {
    const app = await server.newApp("rotate-twice")
    const first = expectOk(
      await request<{ secret: string }>(server.url, "POST", `/v1/apps/${app.id}/secret`, { token: admin() })
    )
    const second = expectOk(
      await request<{ secret: string }>(server.url, "POST", `/v1/apps/${app.id}/secret`, { token: admin() })
    )
    expect(second.secret).not.toBe(first.secret)
    expectError(await request(server.url, "GET", "/v1/users", { token: first.secret }), 401, "unauthorized")
    expectError(await request(server.url, "GET", "/v1/users", { token: app.secret }), 401, "unauthorized")
    expectOk(await request(server.url, "GET", "/v1/users", { token: second.secret }))
  })

  it("an old token is refused on the WebSocket too (closed with 4001)", async () => {
    const app = await server.newApp("rotate-ws")
    await server.registerUsers(app, ["alice"])
    const old = localToken(app, "alice")
    expectOk(await request(server.url, "POST", `/v1/apps/${app.id}/secret`, { token: admin() }))
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(old)}`)
    const closed = await ws.closed
    expect(closed.code).toBe(4001)
    expect(ws.frames.some((f) => f.type === "welcome")).toBe(false)
  })

  it("rotating one app leaves other apps' secrets working", async () => {
    const a = await server.newApp("rotate-a")
    const b = await server.newApp("rotate-b")
    expectOk(await request(server.url, "POST", `/v1/apps/${a.id}/secret`, { token: admin() }))
    expectOk(await request(server.url, "GET", "/v1/users", { token: b.secret }))
    expectOk(await request(server.url, "GET", "/v1/me/counts", { token: localToken(b, "x") }))
  })

  it("404 not_found for an unknown app id", async () => {
    expectError(
      await request(server.url, "POST", "/v1/apps/app_doesnotexist000/secret", { token: admin() }),
      404,
      "not_found"
    )
  })
})

describe("DELETE /v1/apps/{appId}", () => {
  it("answers 204 with no body, removes the app from the list, and its secret and tokens → 401", async () => {
    const app = await server.newApp("doomed")
    const keep = await server.newApp("kept")
    await server.registerUsers(app, ["alice", { id: "bob", email: "bob@example.com" }])
    await server.notify(app, { content: "bye" })
    await server.registerUsers(keep, ["alice"])
    await server.notify(keep, { content: "stay" })
    const token = await server.userToken(app, "alice")

    const res = await request(server.url, "DELETE", `/v1/apps/${app.id}`, { token: admin() })
    expect(res.status, res.text).toBe(204)
    expect(res.text).toBe("")

    const list = expectOk(
      await request<{ apps: Array<{ id: string }> }>(server.url, "GET", "/v1/apps", { token: admin() })
    )
    expect(list.apps.map((x) => x.id)).not.toContain(app.id)
    expect(list.apps.map((x) => x.id)).toContain(keep.id)

    expectError(await request(server.url, "GET", "/v1/users", { token: app.secret }), 401, "unauthorized")
    expectError(await request(server.url, "GET", "/v1/stats", { token: app.secret }), 401, "unauthorized")
    expectError(
      await request(server.url, "POST", "/v1/notify", { token: app.secret, body: { content: "x" } }),
      401,
      "unauthorized"
    )
    expectError(await request(server.url, "GET", "/v1/me/notifications", { token }), 401, "unauthorized")
    expectError(
      await request(server.url, "GET", "/v1/me/counts", { token: localToken(app, "alice") }),
      401,
      "unauthorized"
    )

    // the other app is untouched
    const kept = expectOk(
      await request<{ count: number }>(server.url, "GET", "/v1/users/alice/notifications", {
        token: keep.secret
      })
    )
    expect(kept.count).toBe(1)
  })

  it("a deleted app cannot be rotated or deleted again: 404", async () => {
    const app = await server.newApp("gone")
    expect((await request(server.url, "DELETE", `/v1/apps/${app.id}`, { token: admin() })).status).toBe(204)
    expectError(
      await request(server.url, "DELETE", `/v1/apps/${app.id}`, { token: admin() }),
      404,
      "not_found"
    )
    expectError(
      await request(server.url, "POST", `/v1/apps/${app.id}/secret`, { token: admin() }),
      404,
      "not_found"
    )
  })

  it("404 not_found for an unknown app id", async () => {
    expectError(
      await request(server.url, "DELETE", "/v1/apps/app_doesnotexist000", { token: admin() }),
      404,
      "not_found"
    )
    expectError(
      await request(server.url, "DELETE", "/v1/apps/nonsense", { token: admin() }),
      404,
      "not_found"
    )
  })
})

describe("errors", () => {
  it("every non-2xx answer carries {error: {code, message}}", async () => {
    const app = await server.newApp("errors")
    const answers = [
      await request(server.url, "GET", "/v1/apps"),
      await request(server.url, "GET", "/v1/apps", { token: "wrong-admin-token" }),
      await request(server.url, "POST", "/v1/apps", { token: admin(), body: [] }),
      await request(server.url, "DELETE", "/v1/apps/app_nope", { token: admin() }),
      await request(server.url, "GET", "/v1/no-such-endpoint"),
      await request(server.url, "GET", "/v1/users/nobody", { token: app.secret }),
      await request(server.url, "POST", "/v1/notify", { token: app.secret, rawBody: "nope" })
    ]
    for (const res of answers) expectErrorShape(res)
    expect(answers.map((r) => r.status)).toEqual([401, 401, 400, 404, 404, 404, 400])
  })

  it("an unknown path is 404 not_found", async () => {
    expectError(await request(server.url, "GET", "/v1/nothing-here"), 404, "not_found")
    expectError(await request(server.url, "GET", "/nothing"), 404, "not_found")
  })

  it("a method the path does not support is a 4xx with the error body", async () => {
    const res = await request(server.url, "PUT", "/v1/apps", { token: admin(), body: { name: "x" } })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expectErrorShape(res)
    await expectAlive(server.url)
  })
})
