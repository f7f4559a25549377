/**
 * `/dashboard` (PROTOCOL.md §8): the built dashboard is served by the server itself with its
 * content types and caching — hashed assets immutable, the page `no-cache` — any other
 * `/dashboard/*` path is the page (client routing), a missing asset and an unknown API path
 * are 404 with the JSON error body, and the page loads nothing from another origin.
 */
import { request, useServer } from "@pushback/testkit"
import { expect, it } from "vitest"
import { expectError } from "./helpers.js"

const server = useServer()

const get = (path: string, method = "GET") => fetch(`${server.url}${path}`, { method, redirect: "manual" })

it("serves the page no-cache, its hashed assets immutable, each with its content type", async () => {
  const page = await get("/dashboard/")
  expect(page.status).toBe(200)
  expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8")
  expect(page.headers.get("cache-control")).toBe("no-cache")
  expect(page.headers.get("content-security-policy")).toContain("default-src 'self'")
  const html = await page.text()
  // Nothing from another origin: no CDN, no external font.
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
  const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]!)
  expect(assets.some((a) => a.endsWith(".js"))).toBe(true)
  expect(assets.some((a) => a.endsWith(".css"))).toBe(true)
  for (const asset of assets) {
    const res = await get(asset)
    expect(res.status, asset).toBe(200)
    expect(res.headers.get("cache-control"), asset).toBe("public, max-age=31536000, immutable")
    expect(res.headers.get("content-type"), asset).toBe(
      asset.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8"
    )
    const text = await res.text()
    expect(text, `${asset} loads nothing from elsewhere`).not.toMatch(
      /fonts\.googleapis|cdn\.jsdelivr|unpkg\.com/
    )
  }
  const head = await get("/dashboard/", "HEAD")
  expect(head.status).toBe(200)
  expect(await head.text()).toBe("")
})

it("answers the page for any other /dashboard path (client routing), and /dashboard redirects", async () => {
  const deep = await get("/dashboard/apps/app_123/anything")
  expect(deep.status).toBe(200)
  expect(deep.headers.get("content-type")).toBe("text/html; charset=utf-8")
  expect(await deep.text()).toContain('<div id="root"></div>')
  const bare = await get("/dashboard")
  expect(bare.status).toBe(308)
  expect(bare.headers.get("location")).toBe("/dashboard/")
})

it("a missing asset, a path escaping the folder and an unknown API path are 404 JSON", async () => {
  expectError(await request(server.url, "GET", "/dashboard/assets/missing-abc123.js"), 404, "not_found")
  expectError(await request(server.url, "GET", "/dashboard/assets/..%2f..%2fcli.js"), 404, "not_found")
  expectError(await request(server.url, "GET", "/dashboard/%2e%2e/%2e%2e/package.json"), 404, "not_found")
  expectError(await request(server.url, "GET", "/v1/nothing-here"), 404, "not_found")
})
