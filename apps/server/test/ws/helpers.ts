/**
 * Shared steps of the WebSocket suites: an app with a user token, notify, connect.
 */
import { connectWs, createApp, notify, type TestApp, type TestServer, userToken } from "@pushback/testkit"

export { notify }

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
