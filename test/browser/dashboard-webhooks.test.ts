/**
 * The dashboard's webhooks section in headless Chromium against a real server and a real
 * receiver (verifying with `standardwebhooks`): an app's endpoint is listed with its state;
 * "Send test" makes an attempt that the receiver answers 500, and the row then shows the status
 * and since when it fails, the attempts list its status and time; "Disable" and "Enable" change
 * the endpoint as the API reads it.
 */
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { request, useServer } from "@pushback/testkit"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, expect, it } from "vitest"
import { type Receiver, startReceiver } from "../../apps/server/test/webhooks/receiver.js"
import { launchChromium } from "./chromium.js"

const results = join(resolve(fileURLToPath(new URL(".", import.meta.url)), "../.."), "test-results")
const server = useServer({ config: { webhooks: { allowPrivate: true, pollMs: 200, retrySeconds: [600] } } })
let browser: Browser
let page: Page
let receiver: Receiver
/** A time as the dashboard writes it where the day matters: `7 Dec 22:15:00`. */
const DAY_TIME = /^\d{1,2} [A-Z][a-z]{2} \d{2}:\d{2}:\d{2}$/

beforeAll(async () => {
  receiver = await startReceiver()
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "en-US" })
})
afterAll(async () => {
  await browser?.close()
  await receiver?.close()
})

it("lists an app's endpoints, sends a test, shows the attempts, disables and enables", async () => {
  const app = await server.newApp("hooked")
  const made = await request<{ id: string; secret: string }>(server.url, "POST", "/v1/webhooks", {
    token: app.secret,
    body: { url: `${receiver.url}/failing`, events: ["email.failed"] }
  })
  receiver.secrets.set("/failing", [made.body.secret])
  receiver.script.set("/failing", () => ({ status: 500 }))
  await page.addInitScript((token) => sessionStorage.setItem("pushback.adminToken", token), server.adminToken)
  await page.goto(`${server.url}/dashboard/apps/${app.id}`)
  const row = page.locator(`tr[data-webhook="${made.body.id}"]`)
  await row.waitFor()
  expect(await row.textContent()).toContain("email.failed")
  await row.getByRole("button", { name: "Send test" }).click()
  await receiver.waitFor("/failing", (ds) => ds.length === 1)
  await expect.poll(() => row.locator("td").nth(4).textContent(), { timeout: 10_000 }).toBe("500")
  // a day and the 24-hour clock, not the locale's `12/7/2026, 10:15:00 PM` (issue 26)
  expect(await row.locator("td").nth(3).textContent()).toMatch(DAY_TIME)
  await row.getByRole("button", { name: `${receiver.url}/failing` }).click()
  const attempt = page.locator("tr[data-attempt]").first()
  await attempt.waitFor()
  expect(await attempt.textContent()).toMatch(/webhook\.test.*500.*\d+ ms.*HTTP 500/)
  expect(await attempt.locator("td").first().textContent()).toMatch(DAY_TIME)
  await page.screenshot({ path: join(results, "dashboard-webhooks.png"), fullPage: true })

  const enabled = async () =>
    (
      await request<{ enabled: boolean }>(server.url, "GET", `/v1/webhooks/${made.body.id}`, {
        token: app.secret
      })
    ).body.enabled
  await row.getByRole("button", { name: "Disable" }).click()
  await expect.poll(enabled).toBe(false)
  await row.getByRole("button", { name: "Enable" }).waitFor()
  await row.getByRole("button", { name: "Enable" }).click()
  await expect.poll(enabled).toBe(true)
  expect(receiver.rejected).toEqual([])
})
