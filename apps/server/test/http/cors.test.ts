/**
 * CORS (PROTOCOL.md §3.6): answers on /v1/me/*, /v1/sse, /v1/poll, /v1/ws and /v1/status/*
 * carry Access-Control-Allow-Origin; preflights answer 204 allowing the listed methods and
 * headers; a configured origin list is honoured.
 */
import { localToken, request, type TestApp, type TestServer, useServers } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"

const [open, restricted] = useServers({}, { config: { corsOrigins: ["https://a.example"] } })
let appOpen: TestApp
let appRestricted: TestApp

beforeAll(async () => {
  appOpen = await open.newApp("cors-open")
  appRestricted = await restricted.newApp("cors-restricted")
})

const ORIGIN = "https://app.example.com"
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
const HEADERS = ["authorization", "content-type", "idempotency-key", "last-event-id"]

const allowsOrigin = (value: string | null, origin: string) => value === "*" || value === origin

const preflight = (server: TestServer, path: string, method: string, origin = ORIGIN) =>
  fetch(server.url + path, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": HEADERS.join(", ")
    }
  })

const list = (value: string | null) =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0)

describe("default: any origin", () => {
  it("answers on /v1/me/* and /v1/status/* carry Access-Control-Allow-Origin", async () => {
    const token = localToken(appOpen, "alice")
    for (const [path, t] of [
      ["/v1/status/ping", undefined],
      ["/v1/status/info", undefined],
      ["/v1/me/counts", token],
      ["/v1/me/notifications", token],
      ["/v1/me/preferences", token]
    ] as const) {
      const res = await request(open.url, "GET", path, {
        ...(t ? { token: t } : {}),
        headers: { origin: ORIGIN }
      })
      expect(res.status, path).toBe(200)
      expect(allowsOrigin(res.headers.get("access-control-allow-origin"), ORIGIN), path).toBe(true)
    }
  })

  it("error answers on /v1/me/* carry it too, so a browser can read a 401 or 404", async () => {
    const unauthorized = await request(open.url, "GET", "/v1/me/counts", { headers: { origin: ORIGIN } })
    expect(unauthorized.status).toBe(401)
    expect(allowsOrigin(unauthorized.headers.get("access-control-allow-origin"), ORIGIN)).toBe(true)
    const missing = await request(open.url, "GET", "/v1/me/notifications/nope", {
      token: localToken(appOpen, "alice"),
      headers: { origin: ORIGIN }
    })
    expect(missing.status).toBe(404)
    expect(allowsOrigin(missing.headers.get("access-control-allow-origin"), ORIGIN)).toBe(true)
  })

  it("answers on /v1/poll and /v1/sse carry it", async () => {
    const token = encodeURIComponent(localToken(appOpen, "alice"))
    const poll = await request(open.url, "GET", `/v1/poll?token=${token}`, { headers: { origin: ORIGIN } })
    expect(poll.status).toBe(200)
    expect(allowsOrigin(poll.headers.get("access-control-allow-origin"), ORIGIN)).toBe(true)
    const controller = new AbortController()
    const sse = await fetch(`${open.url}/v1/sse?token=${token}`, {
      headers: { origin: ORIGIN },
      signal: controller.signal
    })
    try {
      expect(sse.status).toBe(200)
      expect(allowsOrigin(sse.headers.get("access-control-allow-origin"), ORIGIN)).toBe(true)
    } finally {
      controller.abort()
      await sse.body?.cancel().catch(() => undefined)
    }
  })

  for (const path of [
    "/v1/me/notifications",
    "/v1/me/notifications/some-id",
    "/v1/me/counts",
    "/v1/me/preferences",
    "/v1/status/ping",
    "/v1/sse",
    "/v1/poll",
    "/v1/ws"
  ]) {
    it(`OPTIONS ${path} preflight → 204 allowing the methods and headers`, async () => {
      for (const method of METHODS) {
        const res = await preflight(open, path, method)
        expect(res.status, `${method} preflight of ${path}`).toBe(204)
        expect(allowsOrigin(res.headers.get("access-control-allow-origin"), ORIGIN)).toBe(true)
        const methods = list(res.headers.get("access-control-allow-methods"))
        expect(methods.includes(method.toLowerCase()) || methods.includes("*"), `methods ${methods}`).toBe(
          true
        )
        // `*` does not cover Authorization in browsers: each header must be named
        const headers = list(res.headers.get("access-control-allow-headers"))
        for (const h of HEADERS) expect(headers, `allowed headers of ${path}`).toContain(h)
      }
    })
  }

  it("a preflight needs no credential and changes nothing", async () => {
    const res = await preflight(open, "/v1/me/notifications", "PATCH")
    expect(res.status).toBe(204)
    expect(await res.text()).toBe("")
  })
})

describe("configured origins: only those are allowed", () => {
  it("echoes an allowed origin on answers and preflights", async () => {
    const token = localToken(appRestricted, "alice")
    const res = await request(restricted.url, "GET", "/v1/me/counts", {
      token,
      headers: { origin: "https://a.example" }
    })
    expect(res.status).toBe(200)
    expect(res.headers.get("access-control-allow-origin")).toBe("https://a.example")
    const ping = await request(restricted.url, "GET", "/v1/status/ping", {
      headers: { origin: "https://a.example" }
    })
    expect(ping.headers.get("access-control-allow-origin")).toBe("https://a.example")
    const pre = await preflight(restricted, "/v1/me/notifications", "PATCH", "https://a.example")
    expect(pre.status).toBe(204)
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://a.example")
  })

  it("does not allow any other origin (no `*`, no echo)", async () => {
    const token = localToken(appRestricted, "alice")
    for (const origin of ["https://b.example", "https://a.example.evil.com", "http://a.example", "null"]) {
      const res = await request(restricted.url, "GET", "/v1/me/counts", { token, headers: { origin } })
      const allowed = res.headers.get("access-control-allow-origin")
      expect(allowed, origin).not.toBe("*")
      expect(allowed, origin).not.toBe(origin)
      const pre = await preflight(restricted, "/v1/me/counts", "GET", origin)
      const preAllowed = pre.headers.get("access-control-allow-origin")
      expect(preAllowed, origin).not.toBe("*")
      expect(preAllowed, origin).not.toBe(origin)
    }
  })
})
