/**
 * The PushBack (Django) seed's page snippet, exactly as its pages have it (PROTOCOL.md §9), in
 * real Chromium: the script from the server's `/static/core/js/pusher.js`, the two-argument
 * `PushBack.init(TOKEN, USER_ID)` (the server's address taken from the script's URL) and the two
 * callbacks of `PushBack.subscribe`. A notify reaches the first as the seed's `e.data`; the
 * server stopping reaches the second.
 */
import { type TestApp, userToken, useServer } from "@pushback/testkit"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, expect, it } from "vitest"
import { launchChromium } from "./chromium.js"

const server = useServer()
let app: TestApp
let browser: Browser

beforeAll(async () => {
  app = await server.newApp("seed-page")
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

type SeedWindow = { got: Array<unknown>; lost: number; PushBack: { state: string } }

it("runs the seed's snippet: e.data on notify, the disconnect callback when the server stops", async () => {
  const token = await userToken(server, app, "42")
  const page = await browser.newPage()
  await page.setContent(`<!doctype html>
<script src="${server.url}/static/core/js/pusher.js"></script>
<script>
  window.got = []
  window.lost = 0
  function onNotification(e) { window.got.push(e.data) }
  function onDisconnect() { window.lost++ }
  PushBack.init(${JSON.stringify(token)}, 42);
  PushBack.subscribe(onNotification, onDisconnect);
</script>`)
  await page.waitForFunction(
    () => (window as unknown as SeedWindow).PushBack.state === "connected",
    undefined,
    {
      timeout: 20_000
    }
  )
  await server.notify(app, { users: ["42"], title: "Hi", content: "hello from the backend" })
  await page.waitForFunction(() => (window as unknown as SeedWindow).got.length === 1, undefined, {
    timeout: 20_000
  })
  expect(await page.evaluate(() => (window as unknown as SeedWindow).got)).toEqual(["hello from the backend"])
  await server.stop()
  await page.waitForFunction(() => (window as unknown as SeedWindow).lost > 0, undefined, { timeout: 20_000 })
  await page.close()
})
