/**
 * The dashboard's topics section in headless Chromium against a real server: an app's topics
 * listed with their names and subscriber counts (as the API counts them), and narrowed by key
 * prefix.
 */
import { request, useServer } from "@pushback/testkit"
import { expect, it } from "vitest"
import { useChromiumPage } from "./chromium.js"

const server = useServer()
const view = useChromiumPage()

it("lists an app's topics with their subscriber counts and filters them by prefix", async () => {
  const app = await server.newApp("topical")
  const call = (method: string, path: string, body?: unknown) =>
    request(server.url, method, path, { token: app.secret, ...(body === undefined ? {} : { body }) })
  expect((await call("PUT", "/v1/topics/project:42", { name: "Project 42" })).status).toBe(201)
  expect((await call("PUT", "/v1/topics/team", { selfSubscribe: true })).status).toBe(201)
  expect((await call("POST", "/v1/topics/project:42/subscribers", { users: ["a", "b", "c"] })).status).toBe(
    200
  )
  await view.page.addInitScript(
    (token) => sessionStorage.setItem("pushback.adminToken", token),
    server.adminToken
  )
  await view.page.goto(`${server.url}/dashboard/apps/${app.id}`)
  const project = view.page.locator('tr[data-topic="project:42"]')
  await project.waitFor()
  expect(await project.locator("td").allTextContents()).toEqual([
    "Project 42",
    "3",
    "no",
    // a day and the 24-hour clock, not the locale's `12/7/2026, 10:15:00 PM` (issue 26)
    expect.stringMatching(/^\d{1,2} [A-Z][a-z]{2} \d{2}:\d{2}:\d{2}$/)
  ])
  expect(await view.page.locator('tr[data-topic="team"] td').nth(2).textContent()).toBe("yes")
  await view.page.getByLabel("Keys starting with").fill("team")
  await project.waitFor({ state: "detached" })
  expect(await view.page.locator("tr[data-topic]").count()).toBe(1)
})
