/**
 * Helpers of the push tests: a loopback push service (pushService.ts) and a server that trusts
 * its certificate (`NODE_EXTRA_CA_CERTS`), accepts endpoints on it (`push.allowPrivate`,
 * `push.allowedHosts`), signs with a test VAPID subject and runs a quick push outbox (polls and
 * retries in milliseconds); a browser subscribing for a user with a user token.
 */
import { createApp, request, startServer, type TestApp, type TestServer, userToken } from "@pushback/testkit"
import { afterAll, beforeAll, expect } from "vitest"
import { type PushService, startPushService, type TestSubscription } from "./pushService.js"

/** The VAPID subject of the tests' servers (a real domain's shape: push services refuse localhost). */
export const SUBJECT = "mailto:push-tests@pushback.example.com"

/** An outbox that looks every 200 ms and retries after 200 ms, 400 ms, … at most 1 s. */
export const QUICK_PUSH = { pollMs: 200, retryMs: 200, retryMaxMs: 1000, leaseSeconds: 10 }

/** A server pushing through `service` (same data dir on restart). */
export const startPushingServer = (
  service: PushService,
  options: { dataDir?: string; env?: Record<string, string>; push?: Record<string, unknown> } = {}
) =>
  startServer({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    env: { NODE_EXTRA_CA_CERTS: service.caFile, ...options.env },
    config: {
      push: {
        vapidSubject: SUBJECT,
        allowPrivate: true,
        allowedHosts: ["127.0.0.1"],
        ...QUICK_PUSH,
        ...options.push
      }
    }
  })

/** One push service, one server pushing through it and one app for a file's tests. */
export const pushSuite = (name: string) => {
  const suite = {} as { service: PushService; server: TestServer; app: TestApp }
  beforeAll(async () => {
    suite.service = await startPushService(SUBJECT)
    suite.server = await startPushingServer(suite.service)
    suite.app = await createApp(suite.server, name)
  })
  afterAll(async () => {
    await suite.server?.dispose()
    await suite.service?.stop()
  })
  return suite
}

/** `POST /v1/me/push-subscriptions` as `user`; answers the status and body. */
export const postSubscription = async (server: TestServer, app: TestApp, user: string, body: unknown) => {
  const token = await userToken(server, app, user)
  return request<{ id: string }>(server.url, "POST", "/v1/me/push-subscriptions", { token, body })
}

/** `user` subscribes with `sub`; expects 201 and answers the subscription's id. */
export const subscribeOk = async (
  server: TestServer,
  app: TestApp,
  user: string,
  sub: TestSubscription,
  extra: Record<string, unknown> = {}
) => {
  const res = await postSubscription(server, app, user, { endpoint: sub.endpoint, keys: sub.keys, ...extra })
  expect(res.status, res.text).toBe(201)
  return res.body.id
}

/** The subscriptions the backend sees for `user`. */
export const subscriptionsOf = async (server: TestServer, app: TestApp, user: string) => {
  const res = await request<{
    subscriptions: Array<{ id: string; endpoint: string; userAgent: string | null }>
  }>(server.url, "GET", `/v1/users/${encodeURIComponent(user)}/push-subscriptions`, { token: app.secret })
  expect(res.status, res.text).toBe(200)
  return res.body.subscriptions
}
