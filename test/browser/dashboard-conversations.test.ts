/**
 * The dashboard's conversations section in headless Chromium against a real server: an app's
 * conversations listed with their titles, members and message counts (as the API counts them),
 * the most recently active first — a message moves its conversation to the top within a poll.
 */
import { request, useServer } from "@pushback/testkit"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, expect, it } from "vitest"
import { launchChromium } from "./chromium.js"

const server = useServer()
let browser: Browser
let page: Page

beforeAll(async () => {
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
})
afterAll(async () => {
  await browser?.close()
})

it("lists an app's conversations with members, message counts and the latest activity first", async () => {
  const app = await server.newApp("chatty")
  const call = (method: string, path: string, body?: unknown) =>
    request(server.url, method, path, { token: app.secret, ...(body === undefined ? {} : { body }) })
  const members = ["ana", "bo", "cy", "dee", "eve", "fay", "gus"]
  expect((await call("POST", "/v1/conversations", { id: "team", members, title: "Team" })).status).toBe(201)
  expect((await call("POST", "/v1/conversations", { id: "pair", members: ["ana", "bo"] })).status).toBe(201)
  for (const text of ["one", "two"])
    expect((await call("POST", "/v1/conversations/pair/messages", { text, author: "ana" })).status).toBe(201)

  await page.addInitScript((token) => sessionStorage.setItem("pushback.adminToken", token), server.adminToken)
  await page.goto(`${server.url}/dashboard/apps/${app.id}`)
  const rows = page.locator("tr[data-conversation]")
  await rows.first().waitFor()
  expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-conversation")))).toEqual([
    "pair",
    "team"
  ])
  const cells = (id: string) => page.locator(`tr[data-conversation="${id}"] td`).allTextContents()
  expect((await cells("pair")).slice(0, 3)).toEqual(["—", "2 · ana, bo", "2"])
  expect((await cells("team")).slice(0, 3)).toEqual(["Team", "7 · ana, bo, cy, dee, eve and 2 more", "0"])
  expect(await page.locator("#conversations-title + .scroll caption").textContent()).toBe(
    "Conversations 1–2 of 2, most recently active first"
  )

  // A message to the team: it moves to the top, its count with it.
  expect((await call("POST", "/v1/conversations/team/messages", { text: "hello all" })).status).toBe(201)
  await expect
    .poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-conversation"))), {
      timeout: 10_000
    })
    .toEqual(["team", "pair"])
  expect((await cells("team"))[2]).toBe("1")
})
