/**
 * A notification with a large body (over `SHARED_BODY_MIN_BYTES`) is written as pieces: the
 * recipient's head, the body every recipient of the call shares as one Buffer, the tail (a
 * WebSocket message in three fragments, an SSE event in three writes, a poll answer of many).
 * What reaches a client must still be exactly the one frame, on every transport, live and
 * replayed from storage, with multi-byte text intact (the poll answer's Content-Length counts
 * bytes, not characters).
 */
import type { NotificationFrame } from "@pushback/protocol/types"
import { type ServerFrame, type TestApp, useServer } from "@pushback/testkit"
import { afterAll, beforeAll, expect, it } from "vitest"
import { SHARED_BODY_MIN_BYTES } from "../../src/stream/frames.js"
import { type StreamClient, transports } from "./clients.js"

const server = useServer()
let app: TestApp
const open: Array<StreamClient> = []

beforeAll(async () => {
  app = await server.newApp()
})
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()))
})

/** Content well over the threshold, with two- and four-byte characters and escapes in it. */
const content = {
  text: `é💥"\\\n${"y".repeat(SHARED_BODY_MIN_BYTES * 3)}`,
  list: Array.from({ length: 50 }, (_, i) => ({ i, word: "ünïcødé" }))
}

const notificationOf = (f: ServerFrame) => (f as NotificationFrame).notification as Record<string, unknown>

it("reaches every transport live as one whole frame, the same on each", async () => {
  const users = transports.map((t) => `live-${t.name}`)
  const clients = await Promise.all(
    transports.map(async (t, i) => {
      const client = await t.connect(server, await server.userToken(app, users[i]!, { register: true }))
      open.push(client)
      await client.next((f) => f.type === "welcome")
      return client
    })
  )
  await server.notify(app, { users, title: "big", content })
  const frames = await Promise.all(clients.map((c) => c.next((f) => f.type === "notification")))
  frames.forEach((f, i) => {
    expect(f).toMatchObject({ type: "notification", seq: 1 })
    expect(notificationOf(f)).toMatchObject({
      user: users[i],
      title: "big",
      content,
      seenAt: null,
      readAt: null
    })
  })
  // Apart from who it is for, every recipient got the same notification.
  const shared = frames.map((f) => {
    const { id: _id, user: _user, ...rest } = notificationOf(f)
    return rest
  })
  for (const s of shared) expect(s).toEqual(shared[0])
})

it("is replayed whole from storage on every transport", async () => {
  const users = transports.map((t) => `later-${t.name}`)
  const tokens = await Promise.all(users.map((u) => server.userToken(app, u, { register: true })))
  await server.notify(app, { users, content })
  await server.notify(app, { users, content: "small, after it" })
  const replayed = await Promise.all(
    transports.map(async (t, i) => {
      const client = await t.connect(server, tokens[i]!, 0)
      open.push(client)
      return client.collect(2, (f) => f.type === "notification")
    })
  )
  for (const [first, second] of replayed) {
    expect(first).toMatchObject({ seq: 1, notification: { content } })
    expect(second).toMatchObject({ seq: 2, notification: { content: "small, after it" } })
  }
})
