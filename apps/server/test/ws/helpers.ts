/**
 * The step the WebSocket suites repeat: open a socket for a user (token minted through the
 * API) and wait for its welcome. Servers, apps, notify and tokens come from @pushback/testkit.
 */
import { connectWs, type TestApp, type TestServer, userToken } from "@pushback/testkit"

/** Opens a WebSocket for `user` (optionally from `cursor`) and waits for its welcome. */
export const connectUser = async (
  server: Pick<TestServer, "url" | "wsUrl">,
  app: TestApp,
  user: string,
  cursor?: number
) => {
  const token = await userToken(server, app, user)
  const query = cursor === undefined ? "" : `&cursor=${cursor}`
  const client = await connectWs(`${server.wsUrl}/v1/ws?token=${token}${query}`)
  const welcome = await client.next((f) => f.type === "welcome")
  return { client, welcome, token }
}
