/**
 * A client that stops reading must not grow the server's memory: once more than
 * `sessionQueueBytes` is queued for its session, the server closes it (4008) and moves on.
 * The client here is a raw TCP socket that completes the WebSocket handshake and then never
 * reads again.
 */
import { randomBytes } from "node:crypto"
import { connect } from "node:net"
import { eventually, request, userToken, useServer } from "@pushback/testkit"
import { expect, it } from "vitest"
import { connectUser } from "./helpers.js"

const server = useServer({ config: { limits: { sessionQueueBytes: 64 * 1024 } } })

it("closes a session that does not read, and keeps serving the others", async () => {
  const app = await server.newApp()
  await request(server.url, "POST", "/v1/users", { token: app.secret, body: { users: ["slow"] } })
  const token = await userToken(server, app, "slow")
  const socket = connect(server.port, "127.0.0.1")
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()))
  socket.write(
    `GET /v1/ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  )
  await new Promise<void>((resolve) => socket.once("data", () => resolve()))
  socket.pause()
  const online = await request<{ sessions: number }>(server.url, "GET", "/v1/users/slow", {
    token: app.secret
  })
  expect(online.body.sessions).toBe(1)

  const healthy = await connectUser(server, app, "fast")
  const big = "x".repeat(60_000)
  let sent = 0
  await eventually(
    async () => {
      for (let i = 0; i < 20; i++) await server.notify(app, { users: ["slow"], content: big })
      sent += 20
      const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text())
      return /pushback_slow_consumers_closed_total [1-9]/.test(metrics)
    },
    { timeout: 60_000, interval: 100 }
  ).catch((e) => {
    throw new Error(`slow consumer not closed after ${sent} notifications (${e})`)
  })
  await eventually(
    async () => {
      const res = await request<{ sessions: number }>(server.url, "GET", "/v1/users/slow", {
        token: app.secret
      })
      return res.body.sessions === 0
    },
    { timeout: 10_000, interval: 100, what: "the slow consumer's session to be gone" }
  )

  await server.notify(app, { users: ["fast"], content: "still here" })
  expect(await healthy.client.next((f) => f.type === "notification")).toMatchObject({
    notification: { content: "still here" }
  })
  await healthy.client.close()
  socket.destroy()
})
