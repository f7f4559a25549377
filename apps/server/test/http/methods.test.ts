/**
 * A known path asked with a method it does not serve is 405 with an `Allow` header listing the
 * methods it does serve, code `bad_request` (PROTOCOL.md §10), and changes nothing; an unknown
 * path is still 404. `PUT /v1/notify` used to answer 404 "no route".
 */
import { localToken, request, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { expectError, stats } from "./helpers.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("methods")
  await server.registerUsers(app, ["alice"])
})

/** Every path of the contract with the methods it serves; `cors` paths also answer preflights. */
const PATHS: Array<{ path: () => string; methods: Array<string>; cors?: true }> = [
  { path: () => "/v1/apps", methods: ["GET", "POST"] },
  { path: () => `/v1/apps/${app.id}`, methods: ["GET", "DELETE"] },
  { path: () => `/v1/apps/${app.id}/secret`, methods: ["POST"] },
  { path: () => `/v1/apps/${app.id}/users`, methods: ["GET"] },
  { path: () => `/v1/apps/${app.id}/calls`, methods: ["GET"] },
  { path: () => `/v1/apps/${app.id}/calls/call_x`, methods: ["GET"] },
  { path: () => `/v1/apps/${app.id}/connections`, methods: ["GET"] },
  { path: () => `/v1/apps/${app.id}/stats`, methods: ["GET"] },
  { path: () => `/v1/apps/${app.id}/stats/series`, methods: ["GET"] },
  { path: () => `/v1/apps/${app.id}/notify`, methods: ["POST"] },
  { path: () => "/v1/users", methods: ["GET", "POST"] },
  { path: () => "/v1/users/alice", methods: ["GET", "DELETE"] },
  { path: () => "/v1/users/alice/notifications", methods: ["GET"] },
  { path: () => "/v1/notify", methods: ["POST"] },
  { path: () => "/v1/notify/call_x", methods: ["GET"] },
  { path: () => "/v1/tokens", methods: ["POST"] },
  { path: () => "/v1/event-types", methods: ["GET"] },
  { path: () => "/v1/event-types/like", methods: ["PUT", "DELETE"] },
  { path: () => "/v1/stats", methods: ["GET"] },
  { path: () => "/v1/stats/series", methods: ["GET"] },
  { path: () => "/v1/me/notifications", methods: ["GET", "PATCH"], cors: true },
  { path: () => "/v1/me/notifications/ntf_x", methods: ["GET", "PATCH", "DELETE"], cors: true },
  { path: () => "/v1/me/counts", methods: ["GET"], cors: true },
  { path: () => "/v1/me/preferences", methods: ["GET", "PUT"], cors: true },
  { path: () => "/v1/status/ping", methods: ["GET"], cors: true },
  { path: () => "/v1/status/info", methods: ["GET"], cors: true },
  { path: () => "/healthz", methods: ["GET"] },
  { path: () => "/readyz", methods: ["GET"] },
  { path: () => "/metrics", methods: ["GET"] },
  { path: () => "/v1/ws", methods: ["GET"], cors: true },
  { path: () => "/v1/sse", methods: ["GET"], cors: true },
  { path: () => "/v1/poll", methods: ["GET"], cors: true }
]

const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
const expectedAllow = (methods: Array<string>, cors: boolean) =>
  ORDER.filter(
    (m) => methods.includes(m) || (m === "HEAD" && methods.includes("GET")) || (m === "OPTIONS" && cors)
  ).join(", ")

describe("a method a known path does not serve → 405 with Allow", () => {
  it("PUT /v1/notify (was 404 'no route')", async () => {
    const res = await request(server.url, "PUT", "/v1/notify", {
      token: app.secret,
      body: { users: ["alice"], content: "x" }
    })
    const error = expectError(res, 405, "bad_request")
    expect(res.headers.get("allow")).toBe("POST")
    expect(error.message).toContain("/v1/notify")
    expect((await stats(server.url, app)).notifications).toBe(0)
  })

  it("every other method of every path, with or without a credential", async () => {
    const tokens = [undefined, server.adminToken, app.secret, localToken(app, "alice")]
    for (const { path, methods, cors } of PATHS) {
      const refused = ["GET", "POST", "PUT", "PATCH", "DELETE"].filter((m) => !methods.includes(m))
      if (!cors) refused.push("OPTIONS")
      for (const method of refused) {
        for (const token of tokens) {
          const res = await request(server.url, method, path(), {
            ...(token === undefined ? {} : { token }),
            ...(method === "GET" || method === "OPTIONS" ? {} : { body: { name: "x" } })
          })
          const label = `${method} ${path()}`
          expect(res.status, `${label}: ${res.text}`).toBe(405)
          expectError(res, 405, "bad_request")
          expect(res.headers.get("allow"), label).toBe(expectedAllow(methods, cors === true))
        }
      }
    }
    // nothing was created, changed or deleted on the way
    const apps = await request<{ apps: Array<{ id: string }> }>(server.url, "GET", "/v1/apps", {
      token: server.adminToken
    })
    expect(apps.body.apps.map((a) => a.id)).toEqual([app.id])
    expect((await stats(server.url, app)).users).toBe(1)
  })

  it("the methods a path serves still answer, and an unknown path is still 404", async () => {
    expect((await request(server.url, "GET", "/v1/event-types", { token: app.secret })).status).toBe(200)
    const head = await fetch(`${server.url}/v1/status/ping`, { method: "HEAD" })
    expect(head.status).toBe(200)
    const preflight = await fetch(`${server.url}/v1/me/counts`, { method: "OPTIONS" })
    expect(preflight.status).toBe(204)
    expectError(await request(server.url, "PUT", "/v1/nothing-here"), 404, "not_found")
    expectError(await request(server.url, "GET", "/v1/users/alice/nothing"), 404, "not_found")
  })
})
