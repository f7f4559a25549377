/**
 * SSE and long-polling in a real browser (headless Chromium): a page on another origin
 * receives notifications through the native `EventSource` and through a fetch-based
 * long-poll loop, marks one read over REST (a CORS preflight with `Authorization`), and both
 * streams see the same `read` entry. This is what PROTOCOL.md §3.6 and §4 promise a browser
 * that cannot use WebSocket.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { request, type ServerFrame, type TestApp, userToken, useServer } from "@pushback/testkit"
import type { Browser, Page } from "playwright-core"
import { launchChromium } from "./chromium.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/** The page: both transports, frames kept in `window.frames_` and shown in lists. */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>PushBack transports</title></head>
<body>
<h1>SSE</h1><ul id="sse"></ul>
<h1>Long-poll</h1><ul id="poll"></ul>
<script>
  const params = new URLSearchParams(location.search)
  const api = params.get("api")
  const token = params.get("token")
  window.received = { sse: [], poll: [] }
  window.failures = []
  const show = (list, frame) => {
    window.received[list].push(frame)
    const li = document.createElement("li")
    li.textContent = frame.type === "notification" ? frame.notification.content.text : frame.type
    li.dataset.type = frame.type
    document.getElementById(list).appendChild(li)
  }

  // Server-Sent Events, the browser's own EventSource.
  const source = new EventSource(api + "/v1/sse?token=" + encodeURIComponent(token))
  for (const type of ["welcome", "notification", "seen", "read", "deleted", "reset"]) {
    source.addEventListener(type, (ev) => show("sse", JSON.parse(ev.data)))
  }
  window.source = source

  // Long-polling with fetch.
  ;(async () => {
    let cursor
    for (;;) {
      const url = api + "/v1/poll?token=" + encodeURIComponent(token) +
        (cursor === undefined ? "" : "&cursor=" + cursor) + "&wait=10"
      try {
        const res = await fetch(url)
        if (!res.ok) { window.failures.push("poll " + res.status); return }
        const body = await res.json()
        for (const frame of body.frames) show("poll", frame)
        cursor = body.cursor
      } catch (e) {
        window.failures.push("poll " + e)
        return
      }
    }
  })()

  // A read through the REST API, as SSE and long-poll clients do it.
  window.markRead = async (id) => {
    const res = await fetch(api + "/v1/me/notifications/" + id, {
      method: "PATCH",
      headers: { authorization: "Bearer " + token, "content-type": "application/json" },
      body: JSON.stringify({ read: true })
    })
    return res.status
  }

  // A refused EventSource: the browser gives up instead of retrying.
  window.refused = () => new Promise((resolve) => {
    const bad = new EventSource(api + "/v1/sse?token=not-a-token")
    bad.onerror = () => setTimeout(() => resolve(bad.readyState), 300)
  })
</script>
</body></html>`

describe("SSE and long-poll in Chromium, from another origin", () => {
  const server = useServer()
  let app: TestApp
  let pages: Server
  let pageOrigin: string
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    app = await server.newApp("browser-transports")
    pages = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE)
    })
    await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve))
    // Another port: another origin.
    pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => pages?.close(resolve))
  })

  const received = (list: "sse" | "poll") =>
    page.evaluate(
      (l) => (window as unknown as { received: Record<string, ServerFrame[]> }).received[l]!,
      list
    )

  it("receives a notification through EventSource and through fetch long-polling", async () => {
    const token = await userToken(server, app, "ada")
    page = await browser.newPage()
    const errors: Array<string> = []
    page.on("pageerror", (e) => errors.push(String(e)))
    await page.goto(`${pageOrigin}/?api=${encodeURIComponent(server.url)}&token=${encodeURIComponent(token)}`)

    await page.waitForSelector("#sse li[data-type=welcome]", { timeout: 10_000 })
    await page.waitForSelector("#poll li[data-type=welcome]", { timeout: 10_000 })

    const res = await request(server.url, "POST", "/v1/notify", {
      token: app.secret,
      body: { users: ["ada"], title: "Browser", content: { text: "Hello from the other origin" } }
    })
    expect(res.status).toBe(202)

    await page.waitForSelector("#sse li[data-type=notification]", { timeout: 10_000 })
    await page.waitForSelector("#poll li[data-type=notification]", { timeout: 15_000 })
    expect(await page.textContent("#sse li[data-type=notification]")).toBe("Hello from the other origin")
    expect(await page.textContent("#poll li[data-type=notification]")).toBe("Hello from the other origin")

    const sse = (await received("sse")).filter((f) => f.type === "notification")
    const poll = (await received("poll")).filter((f) => f.type === "notification")
    expect(sse).toHaveLength(1)
    expect(poll).toEqual(sse)
    expect(sse[0]).toMatchObject({
      seq: 1,
      notification: { content: { text: "Hello from the other origin" } }
    })
    expect(errors).toEqual([])
  })

  it("sends a read made over REST from the page to both streams with one seq", async () => {
    const [notification] = (await received("sse")).filter((f) => f.type === "notification")
    const id = notification!.notification.id
    expect(
      await page.evaluate(
        (i) => (window as unknown as { markRead: (id: string) => Promise<number> }).markRead(i),
        id
      )
    ).toBe(200)
    await page.waitForSelector("#sse li[data-type=read]", { timeout: 10_000 })
    await page.waitForSelector("#poll li[data-type=read]", { timeout: 15_000 })
    const sseRead = (await received("sse")).find((f) => f.type === "read")
    const pollRead = (await received("poll")).find((f) => f.type === "read")
    expect(sseRead).toEqual({ type: "read", seq: 2, ids: [id] })
    expect(pollRead).toEqual(sseRead)
    expect(await page.evaluate(() => (window as unknown as { failures: string[] }).failures)).toEqual([])
  })

  it("sees a refused EventSource closed, not retrying", async () => {
    const state = await page.evaluate(() =>
      (window as unknown as { refused: () => Promise<number> }).refused()
    )
    expect(state).toBe(2)
    await page.close()
  })
})
