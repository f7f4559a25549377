/**
 * The dashboard's Web Push view (PROTOCOL.md §14, issue 24 item 5) in headless Chromium against
 * a real server: a user opened in the Users table shows the browsers they subscribed (the push
 * service's host and the user agent), and a user with none says so. The server has no VAPID
 * subject, so nothing is ever pushed to the push service the subscription names.
 */
import { createECDH, randomBytes } from "node:crypto"
import { request, useServer } from "@pushback/testkit"
import { expect, it } from "vitest"
import { useChromiumPage } from "./chromium.js"

const server = useServer()
const view = useChromiumPage()

it("shows a user's push subscriptions, and none for a user without", async () => {
  const app = await server.newApp("push-dashboard")
  const ecdh = createECDH("prime256v1")
  ecdh.generateKeys()
  const subscribed = await request(server.url, "POST", "/v1/me/push-subscriptions", {
    token: await server.userToken(app, "ana"),
    body: {
      endpoint: "https://updates.push.services.mozilla.com/wpush/v2/dashboard-test",
      keys: { p256dh: ecdh.getPublicKey("base64url"), auth: randomBytes(16).toString("base64url") },
      userAgent: "Firefox ESR on the test machine"
    }
  })
  expect(subscribed.status, subscribed.text).toBe(201)
  const users = await request(server.url, "POST", "/v1/users", {
    token: app.secret,
    body: { users: ["bob"] }
  })
  expect(users.status, users.text).toBeLessThan(300)

  await view.page.addInitScript(
    (token) => sessionStorage.setItem("pushback.adminToken", token),
    server.adminToken
  )
  await view.page.goto(`${server.url}/dashboard/apps/${app.id}`)
  const section = view.page.locator("section[aria-labelledby=users-title]")
  await section.getByRole("button", { name: "ana", exact: true }).click()
  const table = section.locator("table.inner", { hasText: "Push subscriptions" })
  await table.waitFor()
  expect(await table.locator("tbody tr").count()).toBe(1)
  expect(await table.locator("th").textContent()).toBe("updates.push.services.mozilla.com")
  expect(await table.locator("td").first().textContent()).toBe("Firefox ESR on the test machine")

  await section.getByRole("button", { name: "bob", exact: true }).click()
  await section.locator("caption", { hasText: "No push subscriptions" }).waitFor()
})
