/**
 * Channels from the backend against the real, built server (PROTOCOL.md §12): namespaces set,
 * listed and deleted; `publish` reaching subscribers (the browser SDK's channels client, with `ws`
 * as its WebSocket) in order, and a repeated idempotency key answering the first publish;
 * `presence` and `channels.list` naming the subscribed users and their info from
 * `createChannelToken`; `history` with recovery from an offset; a channel token for another
 * channel refused, a user token's `channels` claim (`createUserToken`) accepted.
 */
import { createChannelClient, type Publication } from "@pushback/browser/channels"
import { createApp, startServer, type TestServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WebSocket } from "ws"
import { PushBack } from "../../src/index.js"

let server: TestServer
let pb: PushBack

beforeAll(async () => {
  server = await startServer()
  pb = new PushBack({ url: server.url, secret: (await createApp(server, "sdk-channels")).secret })
}, 60_000)

const clients: Array<{ close(): void }> = []
afterAll(async () => {
  for (const c of clients) c.close()
  await server?.dispose()
})

const platform = {
  WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  EventSource: undefined,
  locks: undefined,
  BroadcastChannel: undefined
}

/** A user's channels client in this process, as a browser would hold it. */
const clientOf = (user: string) => {
  const client = createChannelClient({ url: server.url, token: pb.createUserToken(user), platform })
  clients.push(client)
  return client
}

/** Polls `check` every 20 ms until it holds, for up to 10 s. */
const until = async (check: () => boolean | Promise<boolean>, what: string) => {
  const end = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe("channels", () => {
  it("namespaces: put, list, delete", async () => {
    const ns = await pb.channels.putNamespace("scratch", {
      presence: true,
      history: { size: 5, ttlSeconds: 60 }
    })
    expect(ns).toEqual({
      name: "scratch",
      public: false,
      presence: true,
      joinLeave: false,
      clientPublish: false,
      history: { size: 5, ttlSeconds: 60 }
    })
    expect((await pb.channels.namespaces()).map((n) => n.name)).toContain("scratch")
    await pb.channels.deleteNamespace("scratch")
    await expect(pb.channels.deleteNamespace("scratch")).rejects.toMatchObject({
      status: 404,
      code: "not_found"
    })
    expect((await pb.channels.namespaces()).map((n) => n.name)).not.toContain("scratch")
  })

  it("publishes in order to subscribers, with presence, list, history and idempotency", async () => {
    await pb.channels.putNamespace("doc", {
      presence: true,
      joinLeave: true,
      history: { size: 100, ttlSeconds: 600 }
    })
    const got: Array<Publication> = []
    const ana = clientOf("ana").channel("doc:1", {
      token: pb.createChannelToken("ana", "doc:1", { info: { name: "Ana" } })
    })
    ana.subscribe((p) => got.push(p))
    await until(() => ana.live, "ana subscribed")

    const first = await pb.publish("doc:1", { n: 1 }, { idempotencyKey: "k1" })
    expect(await pb.publish("doc:1", { n: 1 }, { idempotencyKey: "k1" })).toEqual(first)
    for (let n = 2; n <= 5; n++) await pb.publish("doc:1", { n })
    await until(() => got.length === 5, "five publications")
    expect(got.map((p) => p.data)).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })))
    expect(got.map((p) => p.offset)).toEqual([1, 2, 3, 4, 5].map((n) => first.offset + n - 1))
    expect(got[0]).not.toHaveProperty("user")

    expect(await pb.presence("doc:1")).toEqual([{ id: "ana", info: { name: "Ana" }, sessions: 1 }])
    expect(await pb.channels.list({ prefix: "doc:" })).toEqual([{ name: "doc:1", subscribers: 1, users: 1 }])

    const history = await pb.channels.history("doc:1", { since: first.offset + 2, epoch: first.epoch })
    expect(history.epoch).toBe(first.epoch)
    expect(history.publications.map((p) => p.data)).toEqual([{ n: 4 }, { n: 5 }])
  })

  it("a channel token for another channel does not open this one", async () => {
    await pb.channels.putNamespace("private", {})
    const reasons: Array<string> = []
    const channel = clientOf("bo").channel("private:a", { token: pb.createChannelToken("bo", "private:b") })
    channel.on("unsubscribed", (e) => reasons.push(e.reason))
    channel.subscribe(() => {})
    await until(() => reasons.length === 1, "the refusal")
    expect(reasons).toEqual(["forbidden"])
    await expect(pb.presence("private:a")).resolves.toEqual([])

    // A user token whose channels claim names it does.
    const client = createChannelClient({
      url: server.url,
      token: pb.createUserToken("bo", { channels: ["private:*"] }),
      platform
    })
    clients.push(client)
    const granted = client.channel("private:a")
    granted.subscribe(() => {})
    await until(() => granted.live, "the subscription the claim allows")
    expect((await pb.presence("private:a")).map((u) => u.id)).toEqual(["bo"])
  })
})
