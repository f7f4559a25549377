/**
 * Channel limits and endings (PROTOCOL.md §12), on a server whose `channels` block shrinks them:
 * the channels of one session, the users of one channel, the size of a publication and the
 * client publish rate are refused by name (`forbidden`, `payload_too_large`, `rate_limited`) with
 * the socket left open; a deleted namespace ends its subscriptions (`namespace_deleted`) and a
 * channel token's subscription ends with the token (`token_expired`).
 */
import { claimsFor, request, signJwt, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, expect, it } from "vitest"
import { ask, openWs, putNamespace, tokenWith } from "./clients.js"

const server = useServer({
  config: {
    channels: { channelsPerSession: 2, presenceMembers: 2, publicationBytes: 64, clientPublishPerSecond: 3 }
  }
})
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("channel-limits")
  await putNamespace(server, app, "lim", { public: true, clientPublish: true })
})

const code = (reply: unknown) => (reply as { error?: { code: string } }).error?.code

it("refuses past the limits by name, keeping the socket open", async () => {
  const ws = await openWs(server, tokenWith(app, "lee", []), ["lim:1", "lim:2"])
  expect(code(await ask(ws, { type: "subscribe", channel: "lim:3" }))).toBe("forbidden")
  // Too large, over REST and over WebSocket.
  const big = "x".repeat(100)
  expect(
    (
      await request(server.url, "POST", "/v1/channels/lim:1/publish", {
        token: app.secret,
        body: { data: big }
      })
    ).status
  ).toBe(413)
  expect(code(await ask(ws, { type: "publish", channel: "lim:1", data: big }))).toBe("payload_too_large")
  // At most 3 a second from one session.
  // Sent together, so the bucket has no time to refill between them.
  for (let i = 0; i < 6; i++) ws.send({ type: "publish", channel: "lim:1", data: i, ref: `rate${i}` })
  const replies = await ws.collect(6, (f) => f.type === "reply" && f.ref.startsWith("rate"))
  expect(replies.filter((r) => (r as { ok: boolean }).ok)).toHaveLength(3)
  expect(replies.filter((r) => !(r as { ok: boolean }).ok).map(code)).toEqual([
    "rate_limited",
    "rate_limited",
    "rate_limited"
  ])
  // A third user cannot join a channel of two.
  const other = await openWs(server, tokenWith(app, "mo", []), ["lim:1"])
  const third = await openWs(server, tokenWith(app, "ned", []), [])
  expect(code(await ask(third, { type: "subscribe", channel: "lim:1" }))).toBe("forbidden")
  // …while another session of a user already there can.
  const again = await openWs(server, tokenWith(app, "mo", []), [])
  expect(await ask(again, { type: "subscribe", channel: "lim:1" })).toMatchObject({ ok: true })
  expect(await ask(ws, { type: "presence", channel: "lim:1" })).toMatchObject({ ok: false })
  ws.send({ type: "ping" })
  await ws.next((f) => f.type === "pong")
  expect(ws.isEnded()).toBe(false)
  await Promise.all([ws.close(), other.close(), third.close(), again.close()])
})

it("a deleted namespace and an expired channel token end their subscriptions", async () => {
  await putNamespace(server, app, "gone", { public: true })
  await putNamespace(server, app, "tok", {})
  const ws = await openWs(server, tokenWith(app, "ida", []), ["gone:1"])
  const token = signJwt({ ...claimsFor(app.id, "ida", 2), channel: "tok:1" }, app.secret)
  expect(await ask(ws, { type: "subscribe", channel: "tok:1", token })).toMatchObject({ ok: true })
  expect((await request(server.url, "DELETE", "/v1/namespaces/gone", { token: app.secret })).status).toBe(204)
  expect(await ws.next((f) => f.type === "unsubscribed" && f.channel === "gone:1")).toMatchObject({
    reason: "namespace_deleted"
  })
  expect(await ws.next((f) => f.type === "unsubscribed" && f.channel === "tok:1", 5000)).toMatchObject({
    reason: "token_expired"
  })
  expect(code(await ask(ws, { type: "subscribe", channel: "tok:1", token }))).toBe("forbidden")
  await ws.close()
})
