/**
 * `push.sent` and `push.failed` (PROTOCOL.md §15) from the Web Push sender's results, through a
 * loopback push service (../push/pushService.ts) and a real webhook receiver that verifies each
 * request with `standardwebhooks`: stored with the push job's settlement.
 */
import { createApp, request, startServer, type TestApp, type TestServer } from "@pushback/testkit"
import { afterAll, beforeAll, expect, it } from "vitest"
import { QUICK_PUSH, SUBJECT, subscribeOk } from "../push/helpers.js"
import { type PushService, startPushService } from "../push/pushService.js"
import { createHook, QUICK_WEBHOOKS } from "./helpers.js"
import { type Receiver, startReceiver } from "./receiver.js"

let service: PushService
let server: TestServer
let receiver: Receiver
let app: TestApp

beforeAll(async () => {
  ;[service, receiver] = await Promise.all([startPushService(SUBJECT), startReceiver()])
  server = await startServer({
    env: { NODE_EXTRA_CA_CERTS: service.caFile },
    config: {
      push: { vapidSubject: SUBJECT, allowPrivate: true, allowedHosts: ["127.0.0.1"], ...QUICK_PUSH },
      webhooks: QUICK_WEBHOOKS
    }
  })
  app = await createApp(server, "push-events")
})
afterAll(async () => {
  expect(receiver.rejected).toEqual([])
  await server?.dispose()
  await service?.stop()
  await receiver?.close()
})

it("sends push.sent for a delivered push and push.failed for one refused for good", async () => {
  const api = {
    request: <T>(method: string, path: string, options: { token?: string; body?: unknown } = {}) =>
      request<T>(server.url, method, path, options)
  }
  await createHook(api, app, receiver, "/push", { events: ["push.sent", "push.failed"] })
  const ok = service.subscription("hal-browser")
  await subscribeOk(server, app, "hal", ok)
  const bad = service.subscription("ida-browser")
  await subscribeOk(server, app, "ida", bad)
  service.script(bad.name, { status: 400 })
  const call = await request<{ id: string; pushes: number }>(server.url, "POST", "/v1/notify", {
    token: app.secret,
    body: { users: ["hal", "ida"], content: "x", push: { send: true } }
  })
  expect(call.body.pushes).toBe(2)
  const ds = await receiver.waitFor("/push", (all) => all.length === 2)
  const byUser = Object.fromEntries(ds.map((d) => [d.body.data["user"], d.body]))
  expect(byUser["hal"]).toMatchObject({ type: "push.sent", data: { app: app.id, call: call.body.id } })
  expect(byUser["ida"]).toMatchObject({ type: "push.failed", data: { app: app.id, call: call.body.id } })
  expect(String(byUser["ida"]!.data["error"])).toMatch(/400/)
  expect(String(byUser["hal"]!.data["notification"])).toMatch(/^ntf_/)
})
