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
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
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
      .toMatch(/^Last hour: 1 notifications, 0 delivered/)
    expect(await page.getByTestId("chart-summary").textContent()).toMatch(/, 0 pushes, 0 pushes failed$/)
    await expect
      .poll(() => page.locator("caption", { hasText: "calls, newest first" }).textContent())
      .toBe("1 calls, newest first")
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
      .toMatch(/^Last hour: 1 notifications, 1 delivered/)
    const recipient = page.locator("table.inner").getByRole("row", { name: /^alice/ })
    await expect.poll(() => recipient.textContent(), { timeout: 10_000 }).not.toMatch(/^alice—/)
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
    await expect.poll(async () => (await legend())["Delivered"]).toBe("1")
    const values = await legend()
    expect(values).toMatchObject({
      Notifications: "1",
      Delivered: "1",
      "Emails failed": "0",
      "Pushes failed": "0"
    })
    expect(Object.values(values)).not.toContain("--")
    const chart = page.locator("figure.chart").first()
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
