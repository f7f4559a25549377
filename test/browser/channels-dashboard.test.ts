/**
 * The dashboard's channels section in headless Chromium against a real server: an app's active
 * channels with their subscribed sessions and distinct users (two sessions of one user and one
 * of another: 3 and 2), narrowed by name prefix, and the presence of the one chosen, each user
 * with their channel token's info and their number of sessions. The subscribers are WebSockets
 * of the test (`ws`), speaking the frames of PROTOCOL.md §12.
 */
import { claimsFor, request, signJwt, useServer } from "@pushback/testkit"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, expect, it } from "vitest"
import WebSocket from "ws"
import { launchChromium } from "./chromium.js"

const server = useServer()
let browser: Browser
let page: Page
const sockets: Array<WebSocket> = []

beforeAll(async () => {
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
})
afterAll(async () => {
  for (const ws of sockets) ws.terminate()
  await browser?.close()
})

/** A WebSocket of `user` subscribed to `channel` (with a channel token carrying `info`). */
const subscriber = (app: { id: string; secret: string }, user: string, channel: string, info: unknown) =>
  new Promise<void>((done, fail) => {
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/v1/ws`)
    sockets.push(ws)
    const token = signJwt(claimsFor(app.id, user, 600), app.secret)
    const channelToken = signJwt({ ...claimsFor(app.id, user, 600), channel, info }, app.secret)
    ws.on("open", () => ws.send(JSON.stringify({ type: "hello", token })))
    ws.on("error", fail)
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data))
      if (frame.type === "welcome")
        ws.send(JSON.stringify({ type: "subscribe", channel, token: channelToken, ref: "s" }))
      if (frame.type === "subscribed") done()
      if (frame.type === "reply" && !frame.ok) fail(new Error(JSON.stringify(frame.error)))
    })
  })

it("lists an app's active channels with subscribers and users, filters them, and shows presence", async () => {
  const app = await server.newApp("live-channels")
  const put = await request(server.url, "PUT", "/v1/namespaces/room", {
    token: app.secret,
    body: { presence: true }
  })
  expect(put.status).toBe(200)
  const lobby = await request(server.url, "PUT", "/v1/namespaces/_default", { token: app.secret, body: {} })
  expect(lobby.status).toBe(200)
  await subscriber(app, "ana", "room:1", { name: "Ana" })
  await subscriber(app, "ana", "room:1", { name: "Ana" })
  await subscriber(app, "bo", "room:1", null)
  await subscriber(app, "bo", "lobby", null)

  await page.addInitScript((token) => sessionStorage.setItem("pushback.adminToken", token), server.adminToken)
  await page.goto(`${server.url}/dashboard/apps/${app.id}`)
  const room = page.locator('tr[data-channel="room:1"]')
  await room.waitFor()
  expect((await room.locator("td").allTextContents()).slice(0, 2)).toEqual(["3", "2"])

  await page.getByLabel("Names starting with").fill("room")
  await page.locator('tr[data-channel="lobby"]').waitFor({ state: "detached" })
  expect(await page.locator("tr[data-channel]").count()).toBe(1)

  await room.getByRole("button", { name: "Show" }).click()
  const ana = page.locator('tr[data-member="ana"]')
  await ana.waitFor()
  expect(await ana.locator("td").allTextContents()).toEqual(['{"name":"Ana"}', "2"])
  expect(await page.locator('tr[data-member="bo"] td').allTextContents()).toEqual(["—", "1"])
})
