/**
 * Shared steps of the WebSocket suites: an app with a user token, notify, connect.
 */
import { connectWs, createApp, request, type TestApp, type TestServer, userToken } from "@pushback/testkit"

/** Sends one notify call and fails the test on a non-202. */
export const notify = async (server: TestServer, app: TestApp, body: Record<string, unknown>) => {
  const res = await request<{ id: string; recipients: number; online: number }>(
    server.url,
    "POST",
    "/v1/notify",
    {
      token: app.secret,
      body
    }
  )
  if (res.status !== 202) throw new Error(`notify failed: ${res.status} ${res.text}`)
  return res.body
}

/** Opens a WebSocket for `user` (optionally from `cursor`) and waits for its welcome. */
export const connectUser = async (server: TestServer, app: TestApp, user: string, cursor?: number) => {
  const token = await userToken(server, app, user)
  const query = cursor === undefined ? "" : `&cursor=${cursor}`
  const client = await connectWs(`${server.wsUrl}/v1/ws?token=${token}${query}`)
  const welcome = await client.next((f) => f.type === "welcome")
  return { client, welcome, token }
}

/** A fresh app on `server`. */
export const newApp = (server: TestServer) => createApp(server, `ws-${Math.random().toString(36).slice(2)}`)
