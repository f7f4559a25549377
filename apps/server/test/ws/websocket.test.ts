/**
 * The WebSocket transport against a real server: welcome, live delivery with per-user seq,
 * several sessions per user, client actions and their stream entries, close codes.
 */
import { claimsFor, connectWs, request, resultOf, signJwt, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { connectUser } from "./helpers.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp()
})

describe("connect", () => {
  it("welcomes a ?token= client with its user, cursor 0 and unseen count", async () => {
    await server.notify(app, { users: ["w1"], content: "before" })
    const { client, welcome } = await connectUser(server, app, "w1")
    expect(welcome).toMatchObject({ type: "welcome", user: "w1", cursor: 1, unseen: 1 })
    expect(typeof welcome["session"]).toBe("string")
    await client.close()
  })

  it("accepts the token in a first hello frame, with a cursor", async () => {
    await server.notify(app, { users: ["w2"], content: "one" })
    const token = await server.userToken(app, "w2")
    const client = await connectWs(`${server.wsUrl}/v1/ws`)
    client.send({ type: "hello", token, cursor: 0 })
    expect(await client.next()).toMatchObject({ type: "welcome", user: "w2", cursor: 0, unseen: 1 })
    expect(await client.next()).toMatchObject({
      type: "notification",
      seq: 1,
      notification: { content: "one" }
    })
    await client.close()
  })

  it("answers ping with pong", async () => {
    const { client } = await connectUser(server, app, "w3")
    client.send({ type: "ping" })
    expect(await client.next()).toEqual({ type: "pong" })
    await client.close()
  })
})

describe("delivery", () => {
  it("delivers each notification to every session of the user, seq growing by 1, and to no one else", async () => {
    const a = await connectUser(server, app, "d1")
    const b = await connectUser(server, app, "d1")
    const other = await connectUser(server, app, "d2")
    const answer = await server.notify(app, {
      users: ["d1"],
      title: "t",
      content: { n: 1 },
      url: "/x",
      data: { k: [1] }
    })
    expect(answer).toMatchObject({ recipients: 1, online: 1 })
    await server.notify(app, { users: ["d1"], content: { n: 2 } })
    for (const s of [a, b]) {
      const [f1, f2] = await s.client.collect(2, (f) => f.type === "notification")
      expect(f1).toMatchObject({
        seq: 1,
        notification: { user: "d1", title: "t", content: { n: 1 }, url: "/x", data: { k: [1] } }
      })
      expect(f2).toMatchObject({ seq: 2, notification: { content: { n: 2 } } })
    }
    await server.notify(app, { users: ["d2"], content: "for d2" })
    expect(await other.client.next((f) => f.type === "notification")).toMatchObject({ seq: 1 })
    expect(a.client.frames.filter((f) => f.type === "notification")).toHaveLength(2)
    await Promise.all([a.client.close(), b.client.close(), other.client.close()])
  })

  it("a read in one session reaches the others as one read entry, and a no-op read makes none", async () => {
    await server.notify(app, { users: ["r1"], content: "read me" })
    const a = await connectUser(server, app, "r1", 0)
    const b = await connectUser(server, app, "r1", 0)
    const n = await a.client.next((f) => f.type === "notification")
    const id = (n["notification"] as { id: string }).id
    a.client.send({ type: "read", ids: [id], ref: "r-1" })
    expect(await a.client.next((f) => f.type === "reply")).toEqual({
      type: "reply",
      ref: "r-1",
      ok: true,
      result: { updated: 1 }
    })
    const entryA = await a.client.next((f) => f.type === "read")
    const entryB = await b.client.next((f) => f.type === "read")
    expect(entryA).toEqual({ type: "read", seq: 2, ids: [id] })
    expect(entryB).toEqual(entryA)
    a.client.send({ type: "read", ids: [id], ref: "r-2" })
    expect(await a.client.next((f) => f.type === "reply")).toMatchObject({
      ref: "r-2",
      result: { updated: 0 }
    })
    a.client.send({ type: "ping" })
    await a.client.next((f) => f.type === "pong")
    expect(a.client.frames.filter((f) => f.type === "read" || f.type === "seen")).toHaveLength(1)
    const res = await request<{ seenAt: string | null; readAt: string | null }>(
      server.url,
      "GET",
      `/v1/me/notifications/${id}`,
      {
        token: a.token
      }
    )
    expect(res.body.readAt).not.toBeNull()
    expect(res.body.seenAt).not.toBeNull()
    await Promise.all([a.client.close(), b.client.close()])
  })

  it("REST marks and deletes reach WebSocket sessions as stream entries", async () => {
    await server.notify(app, { users: ["m1"], content: "a" })
    await server.notify(app, { users: ["m1"], content: "b" })
    const s = await connectUser(server, app, "m1", 0)
    const [n1, n2] = await s.client.collect(2, (f) => f.type === "notification")
    const id1 = (n1!["notification"] as { id: string }).id
    const id2 = (n2!["notification"] as { id: string }).id
    const seen = await request(server.url, "PATCH", "/v1/me/notifications", {
      token: s.token,
      body: { all: true, seen: true }
    })
    expect(seen.body).toEqual({ updated: 2 })
    expect(await s.client.next((f) => f.type === "seen")).toEqual({ type: "seen", seq: 3, ids: [id1, id2] })
    const del = await request(server.url, "DELETE", `/v1/me/notifications/${id1}`, { token: s.token })
    expect(del.status).toBe(204)
    expect(await s.client.next((f) => f.type === "deleted")).toEqual({ type: "deleted", seq: 4, ids: [id1] })
    await s.client.close()
  })

  it("answers unseen and page actions by reference", async () => {
    await server.notify(app, { users: ["p1"], content: 1 })
    await server.notify(app, { users: ["p1"], content: 2 })
    await server.notify(app, { users: ["p1"], content: 3 })
    const s = await connectUser(server, app, "p1")
    s.client.send({ type: "unseen", ref: "u" })
    const unseen = await s.client.next((f) => f.type === "reply")
    expect(unseen).toMatchObject({ ref: "u", ok: true })
    expect((resultOf(unseen) as Array<{ content: number }>).map((n) => n.content)).toEqual([3, 2, 1])
    s.client.send({ type: "page", ref: "p", limit: 2, offset: 0 })
    const page = await s.client.next((f) => f.type === "reply")
    const result = resultOf(page) as {
      count: number
      next: string | null
      previous: string | null
      results: Array<{ content: number }>
    }
    expect(result.count).toBe(3)
    expect(result.results.map((n) => n.content)).toEqual([3, 2])
    expect(result.next).toMatch(/\/v1\/me\/notifications\?limit=2&offset=2$/)
    expect(result.previous).toBeNull()
    s.client.send({ type: "seen", ids: ["ntf_does_not_exist"], ref: "x" })
    expect(await s.client.next((f) => f.type === "reply")).toMatchObject({
      ref: "x",
      ok: true,
      result: { updated: 0 }
    })
    await s.client.close()
  })
})

describe("close codes", () => {
  const closeOf = async (url: string, send?: (c: Awaited<ReturnType<typeof connectWs>>) => void) => {
    const client = await connectWs(url)
    send?.(client)
    return client.closed
  }

  it("4001 for a garbage, forged or other-app token, and for a hello that never verifies", async () => {
    expect((await closeOf(`${server.wsUrl}/v1/ws?token=garbage`)).code).toBe(4001)
    const forged = signJwt(claimsFor(app.id, "u", 600), "not-the-secret")
    expect((await closeOf(`${server.wsUrl}/v1/ws?token=${forged}`)).code).toBe(4001)
    const other = await server.newApp()
    const crossed = signJwt(claimsFor(app.id, "u", 600), other.secret)
    expect((await closeOf(`${server.wsUrl}/v1/ws?token=${crossed}`)).code).toBe(4001)
    const none = signJwt(claimsFor(app.id, "u", 600), null, { alg: "none", typ: "JWT" })
    expect((await closeOf(`${server.wsUrl}/v1/ws`, (c) => c.send({ type: "hello", token: none }))).code).toBe(
      4001
    )
  })

  it("4009 for an expired token, and when the token expires while connected", async () => {
    const expired = signJwt(claimsFor(app.id, "u", -10), app.secret)
    expect((await closeOf(`${server.wsUrl}/v1/ws?token=${expired}`)).code).toBe(4009)
    const shortLived = signJwt(claimsFor(app.id, "u", 2), app.secret)
    const client = await connectWs(`${server.wsUrl}/v1/ws?token=${shortLived}`)
    await client.next((f) => f.type === "welcome")
    expect((await client.closed).code).toBe(4009)
  })

  it("4400 for garbage, binary, unknown or non-hello first frames and for a bad cursor", async () => {
    const token = await server.userToken(app, "c1")
    const url = `${server.wsUrl}/v1/ws?token=${token}`
    const garbage = await connectWs(url)
    await garbage.next((f) => f.type === "welcome")
    garbage.send("{not json")
    expect((await garbage.closed).code).toBe(4400)
    const binary = await connectWs(url)
    await binary.next((f) => f.type === "welcome")
    binary.socket.send(Buffer.from([1, 2, 3]))
    expect((await binary.closed).code).toBe(4400)
    const unknown = await connectWs(url)
    await unknown.next((f) => f.type === "welcome")
    unknown.send({ type: "explode" })
    expect((await unknown.closed).code).toBe(4400)
    expect((await closeOf(`${server.wsUrl}/v1/ws`, (c) => c.send({ type: "ping" }))).code).toBe(4400)
    expect((await closeOf(`${url}&cursor=-1`)).code).toBe(4400)
    expect((await closeOf(`${url}&cursor=abc`)).code).toBe(4400)
  })

  it("1007 for a text frame that is not valid UTF-8 (RFC 6455), before and after welcome", async () => {
    const { client } = await connectUser(server, app, "utf8")
    client.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
    expect((await client.closed).code).toBe(1007)
    const early = await connectWs(`${server.wsUrl}/v1/ws`)
    early.socket.send(Buffer.from('{"type":"hello","token":"\xed\xa0\x80"}', "latin1"), { binary: false })
    expect((await early.closed).code).toBe(1007)
  })

  // Found by the frame fuzz (issue 17): this frame, even before hello, used to end the process.
  it("4400 for a frame whose type cannot be turned into a string, before and after hello", async () => {
    const { client } = await connectUser(server, app, "proto")
    client.send('{"type":{"toString":1}}')
    expect((await client.closed).code).toBe(4400)
    const early = await connectWs(`${server.wsUrl}/v1/ws`)
    early.send('{"type":{"toString":1,"valueOf":1}}')
    expect((await early.closed).code).toBe(4400)
    const again = await connectUser(server, app, "proto")
    again.client.send({ type: "ping" })
    expect(await again.client.next((f) => f.type === "pong")).toEqual({ type: "pong" })
    await again.client.close()
  })

  it("closes on a frame over 16 KiB, and the server keeps serving", async () => {
    const { client } = await connectUser(server, app, "big")
    client.send({ type: "seen", ids: ["x".repeat(20_000)], ref: "r" })
    expect([1009, 4400]).toContain((await client.closed).code)
    const again = await connectUser(server, app, "big")
    again.client.send({ type: "ping" })
    expect(await again.client.next((f) => f.type === "pong")).toEqual({ type: "pong" })
    await again.client.close()
  })
})
