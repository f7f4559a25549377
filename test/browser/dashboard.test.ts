/**
 * The operator's dashboard in a real browser (headless Chromium) against a real server, served
 * by the server itself at /dashboard: a wrong admin token is refused; the right one signs in;
 * an app is created and its secret shown once (and works); a test notification sent from the
 * page shows up as a call with its recipient's state and moves the chart; a WebSocket opened for
 * a user appears as a live connection; the secret is rotated (after a confirmation) and the app
 * deleted (after typing its name). Screenshots go to test-results/, and the ones embedded in
 * docs/dashboard.md to docs/img/.
 */
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { connectWs, request, useServer, type WsClient } from "@pushback/testkit"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchChromium } from "./chromium.js"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")
const results = join(root, "test-results")
const docsImg = join(root, "docs/img")

describe("the dashboard in Chromium", () => {
  const server = useServer()
  let browser: Browser
  let page: Page
  let ws: WsClient | undefined
  /** Paths the page asked for that answered 404 (a missing /favicon.ico was one, issue 26). */
  const missing: Array<string> = []

  beforeAll(async () => {
    mkdirSync(results, { recursive: true })
    browser = await launchChromium()
    // en-US: the locale whose own clock is `12:13:49 AM`, which the dashboard must not use
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "en-US" })
    page.on("response", (res) => {
      if (res.status() === 404) missing.push(new URL(res.url()).pathname)
    })
  })
  afterAll(async () => {
    await ws?.close()
    await browser?.close()
  })

  const shot = async (name: string, docs = false) => {
    await page.screenshot({ path: join(results, `dashboard-${name}.png`), fullPage: true })
    if (docs) await page.screenshot({ path: join(docsImg, `dashboard-${name}.png`), fullPage: true })
  }

  it("refuses a wrong admin token and signs in with the right one", async () => {
    await page.goto(`${server.url}/dashboard/`)
    await page.getByLabel("Admin token").fill("not-the-token")
    await page.getByRole("button", { name: "Sign in" }).click()
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/refused.*wrong/i)
    await shot("sign-in-refused")
    await page.getByLabel("Admin token").fill(server.adminToken)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("heading", { name: "Apps" }).waitFor()
    // Kept in this tab's sessionStorage only: not in the URL, not in a cookie.
    expect(page.url()).not.toContain(server.adminToken)
    expect(await page.context().cookies()).toEqual([])
    expect(await page.evaluate(() => sessionStorage.getItem("pushback.adminToken"))).toBe(server.adminToken)
  })

  let appId = ""
  let secret = ""

  it("creates an app and shows its secret once", async () => {
    await page.getByLabel("New app name").fill("Demo shop")
    await page.getByRole("button", { name: "Create app" }).click()
    const field = page.getByLabel("App secret")
    await field.waitFor()
    secret = await field.inputValue()
    expect(secret).toMatch(/^app_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{32,}$/)
    appId = secret.split(".")[0]!
    await expect.poll(() => page.getByText("only time it is shown").count()).toBe(1)
    await shot("secret-once", true)
    // The secret works for the backend API.
    expect((await request(server.url, "GET", "/v1/stats", { token: secret })).status).toBe(200)
    await page.getByRole("button", { name: "I have stored it" }).click()
    expect(await page.getByLabel("App secret").count()).toBe(0)
    await page.reload()
    await page.getByRole("link", { name: "Demo shop" }).waitFor()
    expect(await page.getByLabel("App secret").count()).toBe(0)
    expect(await page.content()).not.toContain(secret)
  })

  it("sends a test notification and sees the call, its recipient's state and the chart move", async () => {
    await page.getByRole("link", { name: "Demo shop" }).click()
    await page.getByRole("heading", { name: "Demo shop" }).waitFor()
    await page.getByLabel("To user").fill("alice")
    await page.getByLabel("Content").fill("Hello Alice")
    await page.getByRole("button", { name: "Send", exact: true }).click()
    await expect
      .poll(() => page.getByTestId("test-result").textContent())
      .toMatch(/^Sent call_.*1 recipient, 0 online/)
    await expect
      .poll(() => page.getByTestId("chart-summary").textContent(), { timeout: 10_000 })
      .toMatch(/^Last hour: 1 notification, 0 delivered/)
    expect(await page.getByTestId("chart-summary").textContent()).toMatch(/, 0 pushes, 0 pushes failed$/)
    await expect
      .poll(() => page.locator("caption", { hasText: ", newest first" }).textContent())
      .toBe("1 call, newest first")
    // Open the call: alice has not received it yet.
    await page.locator("[data-call] button").first().click()
    const recipient = page.locator("table.inner").getByRole("row", { name: /^alice/ })
    await recipient.waitFor()
    expect(await recipient.textContent()).toMatch(/alice—/)
    // No browser of alice's is subscribed to Web Push: her push state is none.
    expect(await recipient.textContent()).toMatch(/nonenone$/)
    expect(await page.locator("table.inner caption").first().textContent()).toMatch(
      /0 without a subscription/
    )
  })

  it("sees a WebSocket opened for a user as a live connection, and its delivery counted", async () => {
    const token = (
      await request<{ token: string }>(server.url, "POST", "/v1/tokens", {
        token: secret,
        body: { user: "alice" }
      })
    ).body.token
    ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(token)}&cursor=0`)
    await ws.next((f) => f.type === "notification")
    await expect
      .poll(() => page.getByTestId("live-summary").textContent(), { timeout: 10_000 })
      .toMatch(/^1 connection \(ws 1, sse 0, poll 0\) from 1 online user on 1 node$/)
    await expect
      .poll(() => page.getByTestId("chart-summary").textContent(), { timeout: 10_000 })
      .toMatch(/^Last hour: 1 notification, 1 delivered/)
    const recipient = page.locator("table.inner").getByRole("row", { name: /^alice/ })
    await expect.poll(() => recipient.textContent(), { timeout: 10_000 }).not.toMatch(/^alice—/)
    // every time on the 24-hour clock (issue 26): the call's and the delivery's, no AM/PM anywhere
    expect(await page.locator("[data-call] td").first().textContent()).toMatch(/^\d{2}:\d{2}:\d{2}$/)
    expect(await recipient.locator("td").first().textContent()).toMatch(/^\d{2}:\d{2}:\d{2}$/)
    expect(await page.locator("body").textContent()).not.toMatch(/\d ?(AM|PM|am|pm)(?![a-z])/)
    // The chart (issue 26): the legend shows the latest values without a hover, the x-axis
    // labels fit at 1280 px and at 360 px (screenshots of both), failures at zero draw nothing.
    await page.mouse.move(0, 0)
    const legend = async () =>
      Object.fromEntries(
        await page
          .locator(".chart .u-legend tr.u-series")
          .evaluateAll((rows) =>
            rows.map((r) => [
              r.querySelector(".u-label")?.textContent ?? "",
              r.querySelector(".u-value")?.textContent ?? ""
            ])
          )
      ) as Record<string, string>
    // the newest point, this minute's, as the series endpoint answers it (the call and its
    // delivery may fall in different minutes, so the values are the API's, not a fixed "1")
    const newest = async () => {
      const now = Date.now()
      const q = new URLSearchParams({
        interval: "minute",
        from: new Date(now - 3_600_000).toISOString(),
        to: new Date(now).toISOString()
      })
      const { body } = await request<{ points: Array<Record<string, number>> }>(
        server.url,
        "GET",
        `/v1/apps/${appId}/stats/series?${q}`,
        { token: server.adminToken }
      )
      const point = body.points.at(-1)!
      const names = { Notifications: "notifications", Delivered: "delivered", Seen: "seen", Read: "read" }
      return Object.fromEntries(
        Object.entries({ ...names, "Emails failed": "emailsFailed", "Pushes failed": "pushesFailed" }).map(
          ([label, key]) => [label, String(point[key])]
        )
      )
    }
    await expect
      .poll(async () => {
        const [shown, api] = await Promise.all([legend(), newest()])
        return Object.entries(api).every(([label, value]) => shown[label] === value)
      })
      .toBe(true)
    expect(Object.values(await legend())).not.toContain("--")
    const chart = page.locator("figure.chart").first()
    // failures at zero draw nothing (issue 26): no pixel of their colours on the plot, where a
    // line along the baseline would be (Emails failed #d23f3f, Pushes failed #a3460e)
    const failurePixels = () =>
      chart.evaluate((figure) => {
        const canvas = figure.querySelector("canvas")!
        const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height)
        const near = (i: number, [r, g, b]: Array<number>) =>
          Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 30
        let n = 0
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! > 200 && (near(i, [210, 63, 63]) || near(i, [163, 70, 14]))) n++
        }
        return n
      })
    expect(await failurePixels()).toBe(0)
    await chart.screenshot({ path: join(results, "dashboard-chart-1280.png") })
    const axisFits = () =>
      chart.evaluate((figure) => {
        const canvas = figure.querySelector("canvas")!.getBoundingClientRect()
        return canvas.right <= document.documentElement.clientWidth + 1 && canvas.left >= -1
      })
    expect(await axisFits()).toBe(true)
    // a call's detail is a row of its own under the call, not inside the "When" cell
    expect(await page.locator("tr[data-call-detail] table.inner").count()).toBe(1)
    await shot("app", true)
    await page.setViewportSize({ width: 360, height: 800 })
    await expect.poll(axisFits).toBe(true)
    await chart.screenshot({ path: join(results, "dashboard-chart-360.png") })
    await shot("app-360")
    await page.emulateMedia({ colorScheme: "dark" })
    await shot("app-dark", true)
    await page.emulateMedia({ colorScheme: "light" })
    await page.setViewportSize({ width: 1280, height: 900 })
  })

  it("rotates the secret after a confirmation, then deletes the app after typing its name", async () => {
    await page.getByRole("link", { name: "PushBack" }).click()
    await page.getByRole("heading", { name: "Apps" }).waitFor()
    // a secondary action of each row, not a primary button (issue 26)
    expect(await page.getByRole("button", { name: "Rotate secret" }).getAttribute("class")).toBe("quiet")
    page.once("dialog", (dialog) => void dialog.accept())
    await page.getByRole("button", { name: "Rotate secret" }).click()
    const field = page.getByLabel("App secret")
    await field.waitFor()
    const rotated = await field.inputValue()
    expect(rotated).not.toBe(secret)
    expect((await request(server.url, "GET", "/v1/stats", { token: secret })).status).toBe(401)
    expect((await request(server.url, "GET", "/v1/stats", { token: rotated })).status).toBe(200)
    await page.getByRole("button", { name: "I have stored it" }).click()

    await page.getByRole("button", { name: "Delete…" }).click()
    const confirmDelete = page.getByRole("button", { name: "Delete Demo shop" })
    expect(await confirmDelete.isDisabled()).toBe(true)
    await page.getByLabel("Type “Demo shop” to delete it and all its data").fill("Demo sho")
    expect(await confirmDelete.isDisabled()).toBe(true)
    await page.getByLabel("Type “Demo shop” to delete it and all its data").fill("Demo shop")
    await shot("delete")
    await confirmDelete.click()
    await expect.poll(() => page.getByRole("link", { name: "Demo shop" }).count()).toBe(0)
    expect((await request(server.url, "GET", `/v1/apps/${appId}`, { token: server.adminToken })).status).toBe(
      404
    )
  })

  it("is usable with the keyboard: sign out, then sign in again by typing and Enter", async () => {
    await page.getByRole("button", { name: "Sign out" }).focus()
    await page.keyboard.press("Enter")
    await page.getByLabel("Admin token").waitFor()
    expect(await page.evaluate(() => sessionStorage.getItem("pushback.adminToken"))).toBeNull()
    await page.keyboard.press("Tab")
    await page.getByLabel("Admin token").focus()
    await page.keyboard.type(server.adminToken)
    await page.keyboard.press("Enter")
    await page.getByRole("heading", { name: "Apps" }).waitFor()
  })

  it("asks for nothing that is not there: no /favicon.ico 404", () => {
    expect(missing).toEqual([])
  })
})
