/**
 * Conversations on the stream (PROTOCOL.md §13, §4): creating, posting, reading and changing
 * members are entries of every member's stream, interleaved with notifications under one
 * contiguous `seq`, written live and replayed exactly once in order by resume on WebSocket, SSE
 * and long-poll, while the inbox (lists, counts, `unseen`) still holds notifications only.
 * Typing reaches the other members' live sessions (REST and the WebSocket frame), at most once per
 * 2 s per user and conversation, and is never replayed. Runs on SQLite (server) and PostgreSQL
 * (server-pg).
 */
import type { ServerFrame, StreamEntryFrame } from "@pushback/protocol/types"
import { connectWs, isEntry, notify, request, seqsOf, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { expectOk } from "../http/helpers.js"
import { parseSse, rawSse, transport } from "../transports/clients.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("chat-stream")
})

const call = <T = unknown>(method: string, path: string, body?: unknown) =>
  request<T>(server.url, method, path, { token: app.secret, ...(body === undefined ? {} : { body }) })

const as = <T = unknown>(token: string, method: string, path: string, body?: unknown) =>
  request<T>(server.url, method, path, { token, ...(body === undefined ? {} : { body }) })

const wsOf = async (token: string, cursor?: number) => {
  const ws = await connectWs(
    `${server.wsUrl}/v1/ws?token=${token}${cursor === undefined ? "" : `&cursor=${cursor}`}`
  )
  await ws.next((f) => f.type === "welcome")
  return ws
}

/** The entries of a resume from `cursor` over SSE, once `count` arrived (raw events: every type, with ids). */
const sseResume = async (token: string, cursor: number, count: number) => {
  let got: Array<{ id?: string; event?: string; data: string }> = []
  let done: () => void = () => undefined
  const enough = new Promise<void>((resolve) => {
    done = resolve
  })
  let text = ""
  const sse = await rawSse(`${server.url}/v1/sse?token=${token}&cursor=${cursor}`, (chunk) => {
    text += chunk
    got = parseSse(text).filter((e) => e.id !== undefined && e.event !== "welcome")
    if (got.length >= count) done()
  })
  await enough
  sse.close()
  return got
}

type SseEvent = { id?: string; event?: string; data: string }

/** A live SSE session whose events a test awaits as they come. */
const liveSse = async (token: string) => {
  let text = ""
  const waiters: Array<{ match: (e: SseEvent) => boolean; done: (e: SseEvent) => void }> = []
  const settle = () => {
    const events = parseSse(text)
    for (const w of [...waiters]) {
      const found = events.find(w.match)
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(w), 1)
        w.done(found)
      }
    }
  }
  const sse = await rawSse(`${server.url}/v1/sse?token=${token}`, (chunk) => {
    text += chunk
    settle()
  })
  return {
    /** The first event matching `match`, received or to come. */
    until: (match: (e: SseEvent) => boolean) =>
      new Promise<SseEvent>((done) => {
        waiters.push({ match, done })
        settle()
      }),
    close: sse.close
  }
}

describe("conversation entries on the stream", () => {
  it("are live entries of every member, one seq with notifications, replayed once in order on every transport", async () => {
    const ana = await server.userToken(app, "s-ana", { register: true })
    const ben = await server.userToken(app, "s-ben", { register: true })
    const live = await wsOf(ben)
    await notify(server, app, { users: ["s-ben"], content: "before" })
    const c = expectOk(
      await call<{ id: string }>("POST", "/v1/conversations", { members: ["s-ana", "s-ben"] }),
      201
    )
    const path = `/v1/me/conversations/${c.id}`
    expectOk(await as(ana, "POST", `${path}/messages`, { text: "one", clientId: "1" }), 201)
    expectOk(await as(ana, "POST", `${path}/messages`, { text: "one again", clientId: "1" }), 201) // a repeat: no entry
    expectOk(await call("POST", `/v1/conversations/${c.id}/messages`, { text: "system" }), 201)
    expectOk(await as(ben, "POST", `${path}/read`, { seq: 2 }))
    expectOk(await as(ana, "POST", `${path}/read`, { seq: 1 }))
    expectOk(await as(ben, "POST", `${path}/read`, { seq: 1 })) // never back: no entry
    await notify(server, app, { users: ["s-ben"], content: "after" })
    expectOk(await call("PATCH", `/v1/conversations/${c.id}`, { add: ["s-cy"], title: "Three" }))

    const entries = (await live.collect(8, isEntry)) as Array<StreamEntryFrame>
    expect(seqsOf(entries)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(entries.map((e) => e.type)).toEqual([
      "notification",
      "conversation",
      "message",
      "message",
      "conversation_read",
      "conversation_read",
      "notification",
      "conversation"
    ])
    expect(entries[2]).toMatchObject({
      message: { conversation: c.id, seq: 1, author: "s-ana", text: "one", clientId: "1" }
    })
    expect(entries[3]).toMatchObject({ message: { seq: 2, author: null, text: "system" } })
    expect(entries[4]).toEqual({
      type: "conversation_read",
      seq: 5,
      conversation: c.id,
      user: "s-ben",
      lastReadSeq: 2
    })
    expect(entries[5]).toMatchObject({ user: "s-ana", lastReadSeq: 1 })
    expect(entries[7]).toMatchObject({
      conversation: {
        title: "Three",
        members: [{ user: "s-ana" }, { user: "s-ben" }, { user: "s-cy" }],
        lastSeq: 2
      }
    })
    await live.close()

    // the inbox holds the notifications only
    expect(expectOk(await as(ben, "GET", "/v1/me/counts"))).toEqual({ unseen: 2, unread: 2, total: 2 })
    const inbox = expectOk(await as<{ count: number }>(ben, "GET", "/v1/me/notifications"))
    expect(inbox.count).toBe(2)

    const expected = entries.map((e) => JSON.stringify(e))
    // resume from 0 on each transport: the same entries, once each, in order
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${ben}&cursor=0`)
    const welcome = (await ws.next((f) => f.type === "welcome")) as ServerFrame & { unseen: number }
    expect(welcome.unseen).toBe(2)
    expect((await ws.collect(8, isEntry)).map((e) => JSON.stringify(e))).toEqual(expected)
    await ws.close()
    const poll = await transport("poll").connect(server, ben, 0)
    expect((await poll.collect(8, isEntry)).map((e) => JSON.stringify(e))).toEqual(expected)
    await poll.close()
    const sse = await sseResume(ben, 0, 8)
    expect(sse.map((e) => e.data)).toEqual(expected)
    expect(sse.map((e) => [e.id, e.event])).toEqual(entries.map((e) => [String(e.seq), e.type]))
    // from the middle: the rest only
    const later = await connectWs(`${server.wsUrl}/v1/ws?token=${ben}&cursor=5`)
    expect(seqsOf(await later.collect(3, isEntry))).toEqual([6, 7, 8])
    await later.close()
  })

  it("a removed member is told once (the conversation without them) and gets nothing after; a deleted one is told too; a no-op change is no entry", async () => {
    const ben = await server.userToken(app, "r-ben", { register: true })
    const c = expectOk(
      await call<{ id: string }>("POST", "/v1/conversations", { members: ["r-ana", "r-ben", "r-cy"] }),
      201
    )
    const live = await wsOf(ben, 0)
    await live.next((f) => f.type === "conversation")
    // a change that changes nothing is no entry
    expectOk(await call("PATCH", `/v1/conversations/${c.id}`, { add: ["r-ana"] }))
    expectOk(await call("PATCH", `/v1/conversations/${c.id}`, { remove: ["r-ben"] }))
    const told = await live.next((f) => f.type === "conversation")
    expect(told).toMatchObject({ conversation: { members: [{ user: "r-ana" }, { user: "r-cy" }] } })
    expectOk(await call("POST", `/v1/conversations/${c.id}/messages`, { text: "not for ben" }), 201)
    expect(await call("DELETE", `/v1/conversations/${c.id}`)).toMatchObject({ status: 204 })
    const ana = await server.userToken(app, "r-ana")
    const anaWs = await wsOf(ana, 0)
    const frames = await anaWs.collect(4, isEntry)
    expect(frames.map((f) => f.type)).toEqual(["conversation", "conversation", "message", "conversation"])
    expect(frames[3]).toMatchObject({ conversation: { id: c.id, members: [] } })
    await anaWs.close()
    // ben's stream: created, removed; nothing of the message or the delete
    await notify(server, app, { users: ["r-ben"], content: "marker" })
    const marker = await live.next((f) => f.type === "notification")
    expect(seqsOf(live.frames)).toEqual([1, 2, (marker as StreamEntryFrame).seq])
    expect((marker as StreamEntryFrame).seq).toBe(3)
    await live.close()
  })

  it("typing reaches the other members' live sessions (WebSocket, long-poll, SSE), once per 2 s per user, and is never replayed", async () => {
    const ana = await server.userToken(app, "t-ana", { register: true })
    const ben = await server.userToken(app, "t-ben", { register: true })
    const c = expectOk(
      await call<{ id: string }>("POST", "/v1/conversations", { members: ["t-ana", "t-ben", "t-cy"] }),
      201
    )
    const benWs = await wsOf(ben)
    const anaWs = await wsOf(ana)
    const benPoll = await transport("poll").connect(server, ben)
    await benPoll.next((f) => f.type === "welcome")
    const benSse = await liveSse(ben)
    await benSse.until((e) => e.event === "welcome")
    expect(await as(ana, "POST", `/v1/me/conversations/${c.id}/typing`)).toMatchObject({ status: 204 })
    const typed = { type: "typing", conversation: c.id, user: "t-ana" }
    expect(await benWs.next((f) => f.type === "typing")).toEqual(typed)
    expect(await benPoll.next((f) => f.type === "typing")).toEqual(typed)
    expect(JSON.parse((await benSse.until((e) => e.event === "typing")).data)).toEqual(typed)
    // again within 2 s: 204, not forwarded; over WebSocket the reply says so
    expect(await as(ana, "POST", `/v1/me/conversations/${c.id}/typing`)).toMatchObject({ status: 204 })
    anaWs.send({ type: "typing", conversation: c.id, ref: "t1" })
    expect(await anaWs.next((f) => f.type === "reply")).toEqual({
      type: "reply",
      ref: "t1",
      ok: true,
      result: { forwarded: false }
    })
    // ben types over WebSocket: ana sees it, ben does not see his own
    benWs.send({ type: "typing", conversation: c.id })
    expect(await anaWs.next((f) => f.type === "typing")).toEqual({ ...typed, user: "t-ben" })
    // a conversation the user is not in: refused, nothing forwarded
    const other = expectOk(
      await call<{ id: string }>("POST", "/v1/conversations", { members: ["t-cy", "t-dee"] }),
      201
    )
    anaWs.send({ type: "typing", conversation: other.id, ref: "t2" })
    expect(await anaWs.next((f) => f.type === "reply")).toMatchObject({
      ref: "t2",
      ok: false,
      error: { code: "not_found" }
    })
    // a message after it, then a resume from 0: the entries, and no typing frame
    expectOk(
      await as(ana, "POST", `/v1/me/conversations/${c.id}/messages`, { text: "hi", clientId: "x" }),
      201
    )
    await benWs.next((f) => f.type === "message")
    expect(benWs.frames.filter((f) => f.type === "typing")).toHaveLength(1)
    expect(anaWs.frames.filter((f) => f.type === "typing")).toHaveLength(1)
    const again = await connectWs(`${server.wsUrl}/v1/ws?token=${ben}&cursor=0`)
    await again.collect(2, isEntry)
    await again.close()
    expect(again.frames.map((f) => f.type)).toEqual(["welcome", "conversation", "message"])
    benSse.close()
    await Promise.all([benWs.close(), anaWs.close(), benPoll.close()])
  })
})
