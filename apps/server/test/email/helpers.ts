/**
 * Helpers of the email tests: a server pointed at a test SMTP catcher with a quick outbox
 * (polls and retries in milliseconds, not minutes), a user online over a real WebSocket, and
 * a notify call's state through `GET /v1/notify/{callId}`.
 */
import type { NotifyCall } from "@pushback/protocol"
import {
  configFile,
  connectWs,
  createApp,
  request,
  startServer,
  type TestApp,
  type TestServer,
  userToken,
  type WsClient
} from "@pushback/testkit"
import { afterAll, beforeAll, expect } from "vitest"
import { type SmtpCatcher, startSmtp } from "./smtp.js"

/** An outbox that looks every 200 ms and retries after 200 ms, 400 ms, … at most 1 s. */
export const QUICK_OUTBOX = { pollMs: 200, retryMs: 200, retryMaxMs: 1000, leaseSeconds: 10 }

/** A server that sends email through `smtpUrl` (same data dir on restart). */
export const startMailingServer = (
  smtpUrl: string,
  options: { dataDir?: string; env?: Record<string, string> } = {}
) =>
  startServer({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    env: { PUSHBACK_SMTP_URL: smtpUrl, PUSHBACK_EMAIL_FROM: "Alerts <alerts@example.test>", ...options.env },
    args: ["--config", configFile({ email: QUICK_OUTBOX })]
  })

/**
 * One catcher, one server mailing through it and one app for the tests of a file or `describe`
 * (the catcher only reserving its port, with `listening: false`: an SMTP server that is down).
 */
export const mailingSuite = (name: string, options: { listening?: boolean } = {}) => {
  const suite = {} as { smtp: SmtpCatcher; server: TestServer; app: TestApp }
  beforeAll(async () => {
    suite.smtp = await startSmtp(options)
    suite.server = await startMailingServer(suite.smtp.url)
    suite.app = await createApp(suite.server, name)
  })
  afterAll(async () => {
    await suite.server?.dispose()
    await suite.smtp?.stop()
  })
  return suite
}

/** `user` online: a live WebSocket that got its welcome. */
export const goOnline = async (server: TestServer, app: TestApp, user: string): Promise<WsClient> => {
  const token = await userToken(server, app, user)
  const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(token)}`)
  await ws.next((f) => f.type === "welcome")
  return ws
}

/** A notify call with the app secret; expects 202. */
export const notifyOk = async (server: TestServer, app: TestApp, body: Record<string, unknown>) => {
  const res = await request<{ id: string; recipients: number; online: number; emails: number }>(
    server.url,
    "POST",
    "/v1/notify",
    { token: app.secret, body }
  )
  expect(res.status, res.text).toBe(202)
  return res.body
}

/** `GET /v1/notify/{callId}`; expects 200. */
export const callOf = async (server: TestServer, app: TestApp, callId: string, query = "") => {
  const res = await request<NotifyCall>(server.url, "GET", `/v1/notify/${callId}${query}`, {
    token: app.secret
  })
  expect(res.status, res.text).toBe(200)
  return res.body
}

/** Looks at the call until `done` holds (every 100 ms, at most `timeoutMs`). */
export const waitForCall = async (
  server: TestServer,
  app: TestApp,
  callId: string,
  done: (call: NotifyCall) => boolean,
  timeoutMs = 10_000
): Promise<NotifyCall> => {
  const until = Date.now() + timeoutMs
  for (;;) {
    const call = await callOf(server, app, callId)
    if (done(call)) return call
    if (Date.now() > until) throw new Error(`call ${callId} never got there: ${JSON.stringify(call)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The recipient `user` of a call. */
export const resultOf = (call: NotifyCall, user: string) => {
  const r = call.results.find((x) => x.user === user)
  expect(r, `${user} in ${JSON.stringify(call.results)}`).toBeDefined()
  return r!
}
