/**
 * `@pushback/browser/channels` against a scripted fake: the frames it sends (hello, subscribe with
 * `since` after a reconnect, unsubscribe, publish, presence), what it makes of the server's
 * (publications once each and in order, recovery, `recovered: false`, members from `subscribed`,
 * `join` and `leave`, refusals), and the SSE and long-poll query. The real server is exercised by
 * the Chromium test (test/browser/channels.test.ts).
 */
import { afterEach, describe, expect, it, vi } from "vitest"
import { createChannelClient } from "../src/channels.js"
import type { Platform } from "../src/Platform.js"

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const TOKEN = `${b64({ alg: "HS256" })}.${b64({ app: "app_t", sub: "alice" })}.sig`

/** Fake sockets: `sockets` in order of opening; each records what the client sent. */
const fakeSockets = () => {
  const sockets: Array<FakeSocket> = []
  class FakeSocket {
    readyState = 0
    sent: Array<Record<string, unknown>> = []
    onopen: (() => void) | null = null
    onmessage: ((e: { data: string }) => void) | null = null
    onclose: ((e: { code: number; reason: string }) => void) | null = null
    constructor(readonly url: string) {
      sockets.push(this)
      queueMicrotask(() => {
        this.readyState = 1
        this.onopen?.()
      })
    }
    send(data: string) {
      const frame = JSON.parse(data) as Record<string, unknown>
      this.sent.push(frame)
      if (frame["type"] === "hello")
        this.push({ type: "welcome", user: "alice", session: "s", cursor: 0, unseen: 0 })
    }
    /** The server sends a frame. */
    push(frame: unknown) {
      queueMicrotask(() => this.onmessage?.({ data: JSON.stringify(frame) }))
    }
    /** The network drops the connection. */
    drop() {
      this.readyState = 3
      this.onclose?.({ code: 1006, reason: "" })
    }
    close() {
      this.readyState = 3
    }
    of(type: string) {
      return this.sent.filter((f) => f["type"] === type)
    }
  }
  return { sockets, WebSocket: FakeSocket as unknown as typeof WebSocket }
}

const setup = () => {
  const { sockets, WebSocket } = fakeSockets()
  const platform: Platform = { WebSocket, EventSource: undefined, online: () => () => {}, locks: undefined }
  const client = createChannelClient({
    url: "http://pb.test",
    token: TOKEN,
    platform,
    minReconnectDelay: 1,
    maxReconnectDelay: 2
  })
  return { sockets, client, last: () => sockets[sockets.length - 1]! }
}

let close: (() => void) | undefined
afterEach(() => close?.())

describe("over WebSocket", () => {
  it("connects on the first subscribe, delivers publications once each in order, and resubscribes with since", async () => {
    const { client, sockets, last } = setup()
    close = client.close
    const doc = client.channel("doc:1", { token: "ct" })
    expect(client.channel("doc:1")).toBe(doc)
    expect(sockets).toHaveLength(0)
    const got: Array<unknown> = []
    const told: Array<unknown> = []
    doc.on("subscribed", (e) => told.push(e))
    doc.subscribe((p) => got.push(p.data))
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(1))
    expect(last().of("subscribe")[0]).toMatchObject({ channel: "doc:1", token: "ct" })
    expect(last().of("subscribe")[0]).not.toHaveProperty("since")
    last().push({
      type: "subscribed",
      channel: "doc:1",
      epoch: "e1",
      offset: 4,
      recovered: false,
      publications: []
    })
    for (const offset of [5, 6, 6, 5, 7])
      last().push({ type: "publication", channel: "doc:1", offset, data: offset })
    await vi.waitFor(() => expect(got).toEqual([5, 6, 7]))
    expect(told).toEqual([{ epoch: "e1", offset: 4, recovered: true, resubscribed: false }])
    expect(doc.position).toEqual({ epoch: "e1", offset: 7 })

    // Lost: a new socket subscribes from the position; the missed ones are delivered.
    last().drop()
    await vi.waitFor(() => expect(sockets).toHaveLength(2))
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(1))
    expect(last().of("subscribe")[0]).toMatchObject({ since: { epoch: "e1", offset: 7 } })
    last().push({
      type: "subscribed",
      channel: "doc:1",
      epoch: "e1",
      offset: 9,
      recovered: true,
      publications: [
        { offset: 8, data: 8 },
        { offset: 9, data: 9 }
      ]
    })
    await vi.waitFor(() => expect(got).toEqual([5, 6, 7, 8, 9]))
    expect(told[1]).toEqual({ epoch: "e1", offset: 9, recovered: true, resubscribed: true })

    // History lost (a new epoch): recovered false, and the app is told so it can reload.
    last().drop()
    await vi.waitFor(() => expect(sockets).toHaveLength(3))
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(1))
    last().push({
      type: "subscribed",
      channel: "doc:1",
      epoch: "e2",
      offset: 0,
      recovered: false,
      publications: []
    })
    await vi.waitFor(() => expect(told).toHaveLength(3))
    expect(told[2]).toEqual({ epoch: "e2", offset: 0, recovered: false, resubscribed: true })
    last().push({ type: "publication", channel: "doc:1", offset: 1, data: "new" })
    await vi.waitFor(() => expect(got).toEqual([5, 6, 7, 8, 9, "new"]))
  })

  it("a gap in offsets subscribes again from the position", async () => {
    const { client, last } = setup()
    close = client.close
    const got: Array<unknown> = []
    client.channel("room").subscribe((p) => got.push(p.offset))
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(1))
    last().push({
      type: "subscribed",
      channel: "room",
      epoch: "e",
      offset: 1,
      recovered: true,
      publications: []
    })
    last().push({ type: "publication", channel: "room", offset: 3, data: null })
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(2))
    expect(last().of("unsubscribe")).toHaveLength(0)
    expect(last().of("subscribe")[1]).toMatchObject({ since: { epoch: "e", offset: 1 } })
    expect(got).toEqual([])
  })

  it("skips over its own publications (the server leaves them out), even when their answer comes late", async () => {
    const { client, last } = setup()
    close = client.close
    const room = client.channel("room")
    const got: Array<number> = []
    room.subscribe((p) => got.push(p.offset))
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(1))
    last().push({
      type: "subscribed",
      channel: "room",
      epoch: "e",
      offset: 4,
      recovered: true,
      publications: []
    })
    await vi.waitFor(() => expect(room.live).toBe(true))
    // Ours is 5; the answer comes before the next one.
    const mine = room.publish("a")
    await vi.waitFor(() => expect(last().of("publish")).toHaveLength(1))
    last().push({
      type: "reply",
      ref: (last().of("publish")[0] as { ref: string }).ref,
      ok: true,
      result: { offset: 5, epoch: "e" }
    })
    await mine
    last().push({ type: "publication", channel: "room", offset: 6, data: null })
    await vi.waitFor(() => expect(got).toEqual([6]))
    // Ours is 7; another's 8 arrives before our answer: it waits for it, then is delivered.
    const late = room.publish("b")
    await vi.waitFor(() => expect(last().of("publish")).toHaveLength(2))
    last().push({ type: "publication", channel: "room", offset: 8, data: null })
    await new Promise((r) => setTimeout(r, 20))
    expect(got).toEqual([6])
    last().push({
      type: "reply",
      ref: (last().of("publish")[1] as { ref: string }).ref,
      ok: true,
      result: { offset: 7, epoch: "e" }
    })
    await late
    await vi.waitFor(() => expect(got).toEqual([6, 8]))
    expect(last().of("subscribe")).toHaveLength(1)
    expect(room.position).toEqual({ epoch: "e", offset: 8 })
  })

  it("keeps the members from subscribed, join and leave; presence() asks the server", async () => {
    const { client, last } = setup()
    close = client.close
    const room = client.channel("room")
    const events: Array<string> = []
    room.on("join", (m) => events.push(`join ${m.id}`))
    room.on("leave", (m) => events.push(`leave ${m.id}`))
    room.subscribe(() => {})
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(1))
    last().push({
      type: "subscribed",
      channel: "room",
      epoch: "e",
      offset: 0,
      recovered: true,
      publications: [],
      presence: [{ id: "alice", sessions: 1 }]
    })
    last().push({ type: "join", channel: "room", user: "bo", info: { name: "Bo" } })
    last().push({ type: "leave", channel: "room", user: "alice" })
    await vi.waitFor(() => expect(events).toEqual(["join bo", "leave alice"]))
    expect(room.members).toEqual([{ id: "bo", info: { name: "Bo" } }])
    const asked = room.presence()
    await vi.waitFor(() => expect(last().of("presence")).toHaveLength(1))
    const { ref } = last().of("presence")[0] as { ref: string }
    last().push({ type: "reply", ref, ok: true, result: { users: [{ id: "bo", info: null, sessions: 2 }] } })
    expect(await asked).toEqual([{ id: "bo", info: null, sessions: 2 }])
  })

  it("publishes with a frame answered by reply; a refused subscribe is told and not retried", async () => {
    const { client, last } = setup()
    close = client.close
    const room = client.channel("room")
    const ended: Array<string> = []
    room.on("unsubscribed", (e) => ended.push(e.reason))
    room.subscribe(() => {})
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(1))
    const published = room.publish({ text: "hi" })
    await vi.waitFor(() => expect(last().of("publish")).toHaveLength(1))
    const sent = last().of("publish")[0] as { ref: string }
    expect(sent).toMatchObject({ channel: "room", data: { text: "hi" } })
    last().push({ type: "reply", ref: sent.ref, ok: true, result: { offset: 3, epoch: "e" } })
    expect(await published).toEqual({ offset: 3, epoch: "e" })

    const secret = client.channel("secret")
    secret.on("unsubscribed", (e) => ended.push(e.reason))
    secret.subscribe(() => {})
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(2))
    const { ref } = last().of("subscribe")[1] as { ref: string }
    last().push({ type: "reply", ref, ok: false, error: { code: "forbidden", message: "no" } })
    await vi.waitFor(() => expect(ended).toEqual(["forbidden"]))
    const refusal = room.publish(1)
    await vi.waitFor(() => expect(last().of("publish")).toHaveLength(2))
    const second = last().of("publish")[1] as { ref: string }
    last().push({ type: "reply", ref: second.ref, ok: false, error: { code: "forbidden", message: "no" } })
    await expect(refusal).rejects.toMatchObject({ name: "PushBackError", code: "forbidden" })
  })

  it("a subscription the server ends is told and dropped; a new subscribe with a fresh token resumes", async () => {
    const { client, last } = setup()
    close = client.close
    const doc = client.channel("doc:1", { token: "old" })
    const ended: Array<string> = []
    doc.on("unsubscribed", (e) => ended.push(e.reason))
    doc.subscribe(() => {})
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(1))
    last().push({
      type: "subscribed",
      channel: "doc:1",
      epoch: "e",
      offset: 2,
      recovered: true,
      publications: []
    })
    last().push({ type: "unsubscribed", channel: "doc:1", reason: "token_expired" })
    await vi.waitFor(() => expect(ended).toEqual(["token_expired"]))
    expect(doc.live).toBe(false)
    client.channel("doc:1", { token: "fresh" }).subscribe(() => {})
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(2))
    expect(last().of("subscribe")[1]).toMatchObject({ token: "fresh", since: { epoch: "e", offset: 2 } })
  })

  it("the last unsubscribe unsubscribes and closes the connection", async () => {
    const { client, last } = setup()
    close = client.close
    const off = client.channel("a").subscribe(() => {})
    const offB = client.channel("b").subscribe(() => {})
    await vi.waitFor(() => expect(last().of("subscribe")).toHaveLength(2))
    expect(client.state).toBe("connected")
    off()
    expect(last().of("unsubscribe")).toEqual([expect.objectContaining({ channel: "a" })])
    offB()
    expect(last().of("unsubscribe")).toHaveLength(2)
    await vi.waitFor(() => expect(client.state).toBe("closed"))
    expect(last().readyState).toBe(3)
  })
})

describe("over SSE and long-poll", () => {
  it("names the channels (and their positions once known) in the query, and listens to the channel events", async () => {
    const opened: Array<string> = []
    const listened: Array<string> = []
    class FakeEventSource {
      constructor(readonly url: string) {
        opened.push(url)
      }
      addEventListener(type: string) {
        listened.push(type)
      }
      close() {}
    }
    const platform: Platform = {
      WebSocket: undefined,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      online: () => () => {},
      locks: undefined
    }
    const client = createChannelClient({
      url: "http://pb.test/",
      token: TOKEN,
      platform,
      transports: ["sse"]
    })
    close = client.close
    client.channel("doc:1", { token: "ct" }).subscribe(() => {})
    await vi.waitFor(() => expect(opened).toHaveLength(1))
    expect(opened[0]).toBe(`http://pb.test/v1/sse?token=${TOKEN}&channels=doc%3A1`)
    expect(listened).toEqual(
      expect.arrayContaining(["welcome", "subscribed", "publication", "join", "leave", "unsubscribed"])
    )
  })

  it("each poll carries the channels and their positions afresh", async () => {
    const polls: Array<string> = []
    const frames = [
      { type: "welcome", user: "alice", session: "s", cursor: 0, unseen: 0 },
      { type: "subscribed", channel: "room", epoch: "e", offset: 3, recovered: true, publications: [] }
    ]
    const fetch = (async (input: string) => {
      polls.push(input)
      await new Promise((resolve) => setTimeout(resolve, 20))
      const body = { frames: polls.length === 1 ? frames : [], cursor: 0 }
      return new Response(JSON.stringify(body), { status: 200 })
    }) as typeof globalThis.fetch
    const platform: Platform = {
      WebSocket: undefined,
      EventSource: undefined,
      fetch,
      online: () => () => {},
      locks: undefined
    }
    const client = createChannelClient({
      url: "http://pb.test",
      token: TOKEN,
      platform,
      transports: ["poll"]
    })
    close = client.close
    client.channel("room").subscribe(() => {})
    await vi.waitFor(() => expect(polls.length).toBeGreaterThan(1))
    expect(polls[0]).toBe(`http://pb.test/v1/poll?token=${TOKEN}&channels=room`)
    expect(polls[1]).toBe(
      `http://pb.test/v1/poll?token=${TOKEN}&cursor=0&wait=25&channels=room&channelsSince=room%40e%3A3`
    )
  })
})
