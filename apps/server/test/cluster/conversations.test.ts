/**
 * Conversations on two nodes over one PostgreSQL and one Redis (PROTOCOL.md §13, §6): three
 * members posting 50 messages each at once through both nodes — every member's stream has all
 * 150 once and in order, the conversation's seqs are 1..150 with no gap, and a member offline
 * throughout resumes (WebSocket on one node, long-poll on the other) with every message once.
 * Read receipts and typing cross nodes; typing's once-per-2-s allowance is the cluster's; an away
 * member gets one notification per quiet period, sent by one node.
 */
import type { MessageFrame, StreamEntryFrame } from "@pushback/protocol/types"
import {
  connectWs,
  createApp,
  eventually,
  isEntry,
  request,
  type TestApp,
  type TestServer,
  useCluster,
  userToken
} from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { transport } from "../transports/clients.js"

const cluster = useCluster({ nodes: 2 })
let app: TestApp

beforeAll(async () => {
  app = await createApp(cluster.lb, "chat-cluster")
})

const backend = <T>(node: TestServer, method: string, path: string, body?: unknown) =>
  request<T>(node.url, method, path, { token: app.secret, ...(body === undefined ? {} : { body }) })

const wsOn = async (node: TestServer, token: string, cursor?: number) => {
  const ws = await connectWs(
    `${node.wsUrl}/v1/ws?token=${token}${cursor === undefined ? "" : `&cursor=${cursor}`}`
  )
  await ws.next((f) => f.type === "welcome")
  return ws
}

describe("conversations on two nodes", () => {
  it("150 messages posted at once through both nodes reach every member once, in order, and resume once", async () => {
    const [a, b] = cluster.nodes as [TestServer, TestServer]
    const members = ["kim", "lee", "max"]
    const tokens = await Promise.all(members.map((m) => userToken(a, app, m)))
    const live = await Promise.all(tokens.map((t, i) => wsOn(i === 1 ? b : a, t)))
    const c = (
      await backend<{ id: string }>(a, "POST", "/v1/conversations", { members: [...members, "off"] })
    ).body
    await Promise.all(live.map((ws) => ws.next((f) => f.type === "conversation")))

    const PER_MEMBER = 50
    const post = (i: number, k: number) =>
      request((k % 2 === 0 ? a : b).url, "POST", `/v1/me/conversations/${c.id}/messages`, {
        token: tokens[i]!,
        body: { text: `${members[i]} ${k}`, clientId: `${i}-${k}` }
      })
    // each member keeps 5 posts in flight, alternating nodes
    const member = async (i: number) => {
      let k = 0
      const lane = async () => {
        while (k < PER_MEMBER) {
          const res = await post(i, k++)
          expect(res.status).toBe(201)
        }
      }
      await Promise.all(Array.from({ length: 5 }, lane))
    }
    await Promise.all(members.map((_, i) => member(i)))
    const total = PER_MEMBER * members.length

    const check = (entries: ReadonlyArray<StreamEntryFrame>) => {
      const messages = entries.filter((e): e is MessageFrame => e.type === "message")
      expect(messages.map((m) => m.message.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1))
      const ids = messages.map((m) => `${m.message.author}/${m.message.clientId}`)
      expect(new Set(ids).size).toBe(total)
      const seqs = entries.map((e) => e.seq)
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i))
    }
    for (const ws of live) {
      await ws.collect(total, (f) => f.type === "message", 20_000)
      check(ws.frames.filter(isEntry))
      await ws.close()
    }
    const offToken = await userToken(a, app, "off")
    const resumed = await connectWs(`${b.wsUrl}/v1/ws?token=${offToken}&cursor=0`)
    await resumed.collect(total + 1, isEntry, 20_000)
    check(resumed.frames.filter(isEntry))
    await resumed.close()
    const poll = await transport("poll").connect(a, offToken, 0)
    await poll.collect(total + 1, isEntry, 20_000)
    check(poll.frames.filter(isEntry))
    await poll.close()
    expect((await backend<{ lastSeq: number }>(b, "GET", `/v1/conversations/${c.id}`)).body.lastSeq).toBe(
      total
    )
  })

  it("read receipts and typing cross nodes; typing is forwarded once per 2 s across the cluster", async () => {
    const [a, b] = cluster.nodes as [TestServer, TestServer]
    const ana = await userToken(a, app, "x-ana")
    const ben = await userToken(a, app, "x-ben")
    const c = (await backend<{ id: string }>(a, "POST", "/v1/conversations", { members: ["x-ana", "x-ben"] }))
      .body
    const anaOnA = await wsOn(a, ana)
    const anaOnB = await wsOn(b, ana)
    const benOnB = await wsOn(b, ben)
    const sent = await request(a.url, "POST", `/v1/me/conversations/${c.id}/messages`, {
      token: ana,
      body: { text: "hi", clientId: "1" }
    })
    expect(sent.status).toBe(201)
    await benOnB.next((f) => f.type === "message")
    const read = await request(b.url, "POST", `/v1/me/conversations/${c.id}/read`, {
      token: ben,
      body: { seq: 1 }
    })
    expect(read.body).toEqual({ lastReadSeq: 1 })
    expect(await anaOnA.next((f) => f.type === "conversation_read")).toMatchObject({
      user: "x-ben",
      lastReadSeq: 1
    })

    anaOnA.send({ type: "typing", conversation: c.id, ref: "a" })
    expect(await anaOnA.next((f) => f.type === "reply")).toMatchObject({
      ok: true,
      result: { forwarded: true }
    })
    expect(await benOnB.next((f) => f.type === "typing")).toEqual({
      type: "typing",
      conversation: c.id,
      user: "x-ana"
    })
    // the same user on the other node within 2 s: not forwarded again
    anaOnB.send({ type: "typing", conversation: c.id, ref: "b" })
    expect(await anaOnB.next((f) => f.type === "reply")).toMatchObject({
      ok: true,
      result: { forwarded: false }
    })
    // ben types on B: ana's sessions on both nodes see it
    benOnB.send({ type: "typing", conversation: c.id })
    for (const ws of [anaOnA, anaOnB])
      expect(await ws.next((f) => f.type === "typing")).toEqual({
        type: "typing",
        conversation: c.id,
        user: "x-ben"
      })
    expect(benOnB.frames.filter((f) => f.type === "typing")).toHaveLength(1)
    await Promise.all([anaOnA.close(), anaOnB.close(), benOnB.close()])
  })

  it("an away member is notified once per quiet period, by one of the nodes", async () => {
    const [a, b] = cluster.nodes as [TestServer, TestServer]
    const away = await createApp(a, "chat-cluster-away")
    const call = <T>(node: TestServer, method: string, path: string, body?: unknown) =>
      request<T>(node.url, method, path, { token: away.secret, ...(body === undefined ? {} : { body }) })
    expect((await call(a, "PUT", "/v1/conversation-settings", { notifyAfter: 2 })).status).toBe(200)
    const c = (await call<{ id: string }>(b, "POST", "/v1/conversations", { members: ["p", "q"] })).body
    for (const [i, node] of [a, b, a].entries())
      expect(
        (await call(node, "POST", `/v1/conversations/${c.id}/messages`, { text: `${i}`, author: "p" })).status
      ).toBe(201)
    const inbox = async () =>
      (
        await call<{ count: number; results: Array<{ content: string }> }>(
          b,
          "GET",
          "/v1/users/q/notifications"
        )
      ).body
    await eventually(async () => (await inbox()).count === 1, { timeout: 10_000 })
    expect((await inbox()).results[0]!.content).toBe("3 new messages from p")
    // the next period's job is due after every job of the first: once it is sent, none is left
    expect(
      (await call(b, "POST", `/v1/conversations/${c.id}/messages`, { text: "3", author: "p" })).status
    ).toBe(201)
    await eventually(async () => (await inbox()).count === 2, { timeout: 10_000 })
    expect((await inbox()).results.map((r) => r.content)).toEqual([
      "4 new messages from p",
      "3 new messages from p"
    ])
  })
})
