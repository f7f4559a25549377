/**
 * The webhook endpoints API (PROTOCOL.md §15) on a server that allows no private targets: both
 * credentials (app secret and admin paths), the secret shown once, rotation, PATCH, DELETE,
 * tenancy, and every refusal — bad bodies, unknown fields, and SSRF targets (loopback, private,
 * link-local, `localhost`) — leaving nothing stored. Endpoints are subscribed to events that
 * never fire here, so no request ever leaves this machine even if a refusal were missing.
 */
import { hostname } from "node:os"
import { useServer } from "@pushback/testkit"
import { describe, expect, it } from "vitest"

const server = useServer()

describe("webhook endpoints", () => {
  it("creates, lists, reads, changes, rotates and deletes with the app secret; the secret is shown once", async () => {
    const app = await server.newApp()
    const target = "https://hooks.invalid/pushback"
    const created = await server.request<Record<string, unknown>>("POST", "/v1/webhooks", {
      token: app.secret,
      body: { url: target, events: ["message.created"], description: "crm" }
    })
    expect(created.status, created.text).toBe(201)
    const hook = created.body
    expect(hook).toMatchObject({ url: target, events: ["message.created"], enabled: true, batch: false })
    expect(String(hook["id"])).toMatch(/^wh_/)
    expect(String(hook["secret"])).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)

    const listed = await server.request<{ webhooks: Array<Record<string, unknown>> }>("GET", "/v1/webhooks", {
      token: app.secret
    })
    expect(listed.body.webhooks).toHaveLength(1)
    expect(listed.body.webhooks[0]).toMatchObject({ id: hook["id"], description: "crm", failingSince: null })
    expect(listed.text).not.toContain("whsec_")

    const one = await server.request<Record<string, unknown>>("GET", `/v1/webhooks/${hook["id"]}`, {
      token: app.secret
    })
    expect(one.status).toBe(200)
    expect(one.body["secret"]).toBeUndefined()

    const patched = await server.request<Record<string, unknown>>("PATCH", `/v1/webhooks/${hook["id"]}`, {
      token: app.secret,
      body: { events: ["*"], enabled: false }
    })
    expect(patched.status, patched.text).toBe(200)
    expect(patched.body).toMatchObject({ events: ["*"], enabled: false, url: target })

    const rotated = await server.request<{ secret: string }>("POST", `/v1/webhooks/${hook["id"]}/secret`, {
      token: app.secret
    })
    expect(rotated.status).toBe(200)
    expect(rotated.body.secret).toMatch(/^whsec_/)
    expect(rotated.body.secret).not.toBe(hook["secret"])

    const attempts = await server.request("GET", `/v1/webhooks/${hook["id"]}/attempts?limit=5`, {
      token: app.secret
    })
    expect(attempts.body).toEqual({ attempts: [] })

    const gone = await server.request("DELETE", `/v1/webhooks/${hook["id"]}`, { token: app.secret })
    expect(gone.status).toBe(204)
    const again = await server.request("GET", `/v1/webhooks/${hook["id"]}`, { token: app.secret })
    expect(again.status).toBe(404)
  })

  it("offers the same under /v1/apps/{appId}/webhooks with the admin token, and keeps apps apart", async () => {
    const app = await server.newApp()
    const other = await server.newApp()
    const admin = { token: server.adminToken }
    const made = await server.request<{ id: string }>("POST", `/v1/apps/${app.id}/webhooks`, {
      ...admin,
      body: { url: "https://hooks.invalid/a", events: ["message.created"], batch: true }
    })
    expect(made.status, made.text).toBe(201)
    const mine = await server.request<{ webhooks: Array<{ id: string; batch: boolean }> }>(
      "GET",
      "/v1/webhooks",
      { token: app.secret }
    )
    expect(mine.body.webhooks.map((w) => [w.id, w.batch])).toEqual([[made.body.id, true]])
    // Another app sees nothing of it, and cannot touch it.
    const theirs = await server.request<{ webhooks: Array<unknown> }>("GET", "/v1/webhooks", {
      token: other.secret
    })
    expect(theirs.body.webhooks).toEqual([])
    for (const [method, path] of [
      ["GET", ""],
      ["PATCH", ""],
      ["DELETE", ""],
      ["POST", "/secret"],
      ["POST", "/test"],
      ["GET", "/attempts"]
    ] as const) {
      const res = await server.request(method, `/v1/webhooks/${made.body.id}${path}`, {
        token: other.secret,
        ...(method === "PATCH" ? { body: { enabled: false } } : {})
      })
      expect(res.status, `${method} ${path}`).toBe(404)
    }
    const byAdmin = await server.request<{ webhooks: Array<unknown> }>(
      "GET",
      `/v1/apps/${app.id}/webhooks`,
      admin
    )
    expect(byAdmin.body.webhooks).toHaveLength(1)
    expect((await server.request("GET", `/v1/apps/${app.id}/webhooks`, { token: app.secret })).status).toBe(
      401
    )
    expect((await server.request("GET", "/v1/webhooks")).status).toBe(401)
    expect(
      (await server.request("DELETE", `/v1/apps/${app.id}/webhooks/${made.body.id}`, admin)).status
    ).toBe(204)
  })

  it("refuses bad bodies and private targets with 400 naming the field, storing nothing", async () => {
    const app = await server.newApp()
    const events = ["message.created"]
    const refusals: Array<[unknown, string]> = [
      [{ url: "ftp://hooks.invalid/x", events }, "url"],
      [{ url: "not a url", events }, "url"],
      [{ url: "https://hooks.invalid/x", events: [] }, "events"],
      [{ url: "https://hooks.invalid/x", events: ["notification.opened"] }, "events.0"],
      [{ url: "https://hooks.invalid/x", events: ["*", "user.online"] }, "events"],
      [{ url: "https://hooks.invalid/x", events, batch: "yes" }, "batch"],
      [{ url: "https://hooks.invalid/x", evnts: events }, "evnts"],
      [{ events }, "url"],
      [{ url: "http://127.0.0.1:9/x", events }, "url"],
      [{ url: "http://localhost:9/x", events }, "url"],
      [{ url: "http://LOCALHOST./x", events }, "url"],
      [{ url: "http://[::1]:9/x", events }, "url"],
      [{ url: "http://[::ffff:127.0.0.1]/x", events }, "url"],
      [{ url: "http://10.1.2.3/x", events }, "url"],
      [{ url: "http://192.168.0.10/x", events }, "url"],
      [{ url: "http://172.20.0.1/x", events }, "url"],
      [{ url: "http://169.254.169.254/latest/meta-data", events }, "url"],
      [{ url: "http://0.0.0.0/x", events }, "url"],
      [{ url: "http://[fd00::1]/x", events }, "url"],
      // This machine's name resolves to a loopback or private address (/etc/hosts).
      [{ url: `http://${hostname()}:9/x`, events }, "url"]
    ]
    for (const [body, field] of refusals) {
      const res = await server.request<{ error: { code: string; details?: { field?: string } } }>(
        "POST",
        "/v1/webhooks",
        { token: app.secret, body }
      )
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.details?.field, `${JSON.stringify(body)}: ${res.text}`).toBe(field)
    }
    const typo = await server.request<{ error: { message: string } }>("POST", "/v1/webhooks", {
      token: app.secret,
      body: { url: "https://hooks.invalid/x", evnts: events }
    })
    expect(typo.body.error.message).toContain("did you mean events?")
    const listed = await server.request<{ webhooks: Array<unknown> }>("GET", "/v1/webhooks", {
      token: app.secret
    })
    expect(listed.body.webhooks).toEqual([])

    // A PATCH to a private target is refused too, and changes nothing.
    const made = await server.request<{ id: string }>("POST", "/v1/webhooks", {
      token: app.secret,
      body: { url: "https://hooks.invalid/x", events }
    })
    const moved = await server.request("PATCH", `/v1/webhooks/${made.body.id}`, {
      token: app.secret,
      body: { url: "http://127.0.0.1:9/x" }
    })
    expect(moved.status).toBe(400)
    const still = await server.request<{ url: string }>("GET", `/v1/webhooks/${made.body.id}`, {
      token: app.secret
    })
    expect(still.body.url).toBe("https://hooks.invalid/x")
  })
})
