/**
 * `@pushback/browser/chat` over a stand-in client: the REST answers are scripted per request and
 * the stream entries are emitted by hand, so every interleaving the wire allows — entries that
 * cross a page, a send's answer before or after its entry, typing signals in bursts — can be
 * put in order and checked, with fake timers for the throttle and the typing timeout. The chat
 * against the real server and its stream is tested in Chromium (test/browser/chat.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { createChat } from "../src/chat.js"
import type { ChatEntryFrame, Message, MyConversation } from "../src/chatTypes.js"
import type { PushBackClient } from "../src/PushBackClient.js"

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const TOKEN = `${b64({ alg: "HS256" })}.${b64({ app: "app_t", sub: "ana" })}.sig`

type Answer = { ok: unknown } | { fail: unknown } | { wait: Promise<unknown> }

/** A stand-in client: `on`, `send`, `request` and `token`, with what the chat did recorded. */
const fakeClient = (socket = true) => {
  const listeners = new Map<string, Set<(arg: unknown) => void>>()
  const requests: Array<{ method: string; path: string; body: unknown }> = []
  const sent: Array<unknown> = []
  const answers: Array<[RegExp, Answer]> = []
  const client = {
    on(type: string, listener: (arg: unknown) => void) {
      const set = listeners.get(type) ?? new Set()
      listeners.set(type, set)
      set.add(listener)
      return () => set.delete(listener)
    },
    send(frame: unknown) {
      if (socket) sent.push(frame)
      return socket
    },
    request(method: string, path: string, body?: unknown) {
      requests.push({ method, path, body })
      const i = answers.findIndex(([pattern]) => pattern.test(`${method} ${path}`))
      if (i < 0) return Promise.reject(new Error(`unexpected ${method} ${path}`))
      const answer = answers.splice(i, 1)[0]![1]
      if ("wait" in answer) return answer.wait
      return "ok" in answer ? Promise.resolve(answer.ok) : Promise.reject(answer.fail)
    },
    token: () => Promise.resolve(TOKEN)
  } as unknown as PushBackClient
  return {
    client,
    requests,
    sent,
    /** The next request matching `pattern` answers `answer`. */
    answer(pattern: RegExp, answer: Answer) {
      answers.push([pattern, answer])
    },
    emit(type: string, frame: unknown) {
      for (const listener of listeners.get(type) ?? []) listener(frame)
    }
  }
}

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString()
const msg = (
  seq: number,
  author: string | null,
  text = `m${seq}`,
  extra: Partial<Message> = {}
): Message => ({
  conversation: "c1",
  seq,
  author,
  text,
  data: null,
  createdAt: at(seq),
  ...extra
})
const conv = (id: string, extra: Partial<MyConversation> = {}): MyConversation => ({
  id,
  title: null,
  data: null,
  members: [
    { user: "ana", lastReadSeq: 0 },
    { user: "bo", lastReadSeq: 0 }
  ],
  createdAt: at(0),
  lastSeq: 0,
  unread: 0,
  lastMessage: null,
  ...extra
})
const entry = (m: Message): ChatEntryFrame => ({ type: "message", seq: 100 + m.seq, message: m })
const settle = () => vi.advanceTimersByTimeAsync(0)

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe("the conversation list", () => {
  it("loads, then counts others' messages as unread (not one's own) and moves the conversation up", async () => {
    const f = fakeClient()
    f.answer(/GET \/v1\/me\/conversations\?limit=/, {
      ok: { count: 2, results: [conv("c2", { createdAt: at(5) }), conv("c1")] }
    })
    const chat = createChat(f.client)
    const list = chat.conversations()
    await settle()
    expect(chat.user).toBe("ana")
    expect(list.getSnapshot()).toMatchObject({ loaded: true, hasMore: false, unread: 0 })
    f.emit("message", entry(msg(1, "bo")))
    f.emit("message", entry(msg(2, "ana")))
    const { conversations, unread } = list.getSnapshot()
    expect(conversations.map((c) => [c.id, c.unread, c.lastSeq, c.lastMessage?.text])).toEqual([
      ["c1", 1, 2, "m2"],
      ["c2", 0, 0, undefined]
    ])
    expect(unread).toBe(1)
  })

  it("applies entries that arrive during the load once, whether or not the page has them", async () => {
    const f = fakeClient()
    let answer!: (v: unknown) => void
    f.answer(/GET \/v1\/me\/conversations/, { wait: new Promise((r) => (answer = r)) })
    const list = createChat(f.client).conversations()
    await settle()
    // The page was read after message 1 and before message 2.
    f.emit("message", entry(msg(1, "bo")))
    f.emit("message", entry(msg(2, "bo")))
    answer({ count: 1, results: [conv("c1", { lastSeq: 1, unread: 1, lastMessage: msg(1, "bo") })] })
    await settle()
    expect(list.getSnapshot().conversations[0]).toMatchObject({ unread: 2, lastSeq: 2 })
  })

  it("follows read marks forward only; one's own clears the unread; removal and deletion drop it", async () => {
    const f = fakeClient()
    f.answer(/GET \/v1\/me\/conversations/, {
      ok: { count: 2, results: [conv("c1", { lastSeq: 3, unread: 3 }), conv("c2")] }
    })
    const list = createChat(f.client).conversations()
    await settle()
    f.emit("conversation_read", {
      type: "conversation_read",
      seq: 9,
      conversation: "c1",
      user: "bo",
      lastReadSeq: 2
    })
    f.emit("conversation_read", {
      type: "conversation_read",
      seq: 10,
      conversation: "c1",
      user: "bo",
      lastReadSeq: 1
    })
    f.emit("conversation_read", {
      type: "conversation_read",
      seq: 11,
      conversation: "c1",
      user: "ana",
      lastReadSeq: 3
    })
    expect(list.getSnapshot().conversations[0]).toMatchObject({
      unread: 0,
      members: [
        { user: "ana", lastReadSeq: 3 },
        { user: "bo", lastReadSeq: 2 }
      ]
    })
    const { unread: _u, lastMessage: _l, ...c1 } = conv("c1", { title: "Renamed", lastSeq: 3 })
    f.emit("conversation", { type: "conversation", seq: 12, conversation: c1 })
    expect(list.getSnapshot().conversations[0]).toMatchObject({ title: "Renamed", unread: 0 })
    const { unread: _v, lastMessage: _m, ...gone } = conv("c2", { members: [] })
    f.emit("conversation", { type: "conversation", seq: 13, conversation: gone })
    const removed = {
      ...c1,
      members: [
        { user: "bo", lastReadSeq: 2 },
        { user: "cy", lastReadSeq: 0 }
      ]
    }
    f.emit("conversation", { type: "conversation", seq: 14, conversation: removed })
    expect(list.getSnapshot().conversations).toEqual([])
  })

  it("refetches what an entry cannot tell: a conversation it has not loaded; and after a reload", async () => {
    const f = fakeClient()
    f.answer(/GET \/v1\/me\/conversations/, { ok: { count: 0, results: [] } })
    const list = createChat(f.client).conversations()
    await settle()
    f.answer(/GET \/v1\/me\/conversations/, {
      ok: { count: 1, results: [conv("c1", { lastSeq: 4, unread: 4 })] }
    })
    f.emit("message", entry(msg(4, "bo")))
    await settle()
    expect(list.getSnapshot().conversations[0]).toMatchObject({ id: "c1", unread: 4 })
    f.answer(/GET \/v1\/me\/conversations/, {
      ok: { count: 1, results: [conv("c1", { lastSeq: 9, unread: 9 })] }
    })
    f.emit("reload", 2)
    await settle()
    expect(list.getSnapshot().conversations[0]).toMatchObject({ unread: 9 })
  })
})

describe("a reload while a load is out", () => {
  it("loads the list and the open conversation again once the load out answers (it may predate the gap)", async () => {
    const f = fakeClient()
    let answerList!: (v: unknown) => void
    let answerPage!: (v: unknown) => void
    f.answer(/GET \/v1\/me\/conversations\?/, { wait: new Promise((r) => (answerList = r)) })
    f.answer(/GET \/v1\/me\/conversations\/c1\/messages/, { wait: new Promise((r) => (answerPage = r)) })
    const chat = createChat(f.client)
    const list = chat.conversations()
    const view = chat.conversation("c1")
    await settle()
    // The client's first load (after its welcome), or a reset: what was read before may be old.
    f.emit("reload", 1)
    f.answer(/GET \/v1\/me\/conversations\?/, {
      ok: { count: 1, results: [conv("c1", { lastSeq: 2, unread: 2 })] }
    })
    f.answer(/GET \/v1\/me\/conversations\/c1\/messages/, { ok: { messages: [msg(2, "bo"), msg(1, "bo")] } })
    answerList({ count: 1, results: [conv("c1", { lastSeq: 1, unread: 1 })] })
    answerPage({ messages: [msg(1, "bo")] })
    await settle()
    expect(list.getSnapshot().conversations[0]).toMatchObject({ lastSeq: 2, unread: 2 })
    expect(view.getSnapshot().messages.map((m) => m.seq)).toEqual([1, 2])
    expect(f.requests.filter((r) => r.path.startsWith("/v1/me/conversations?"))).toHaveLength(2)
  })
})

describe("a first load that failed", () => {
  it("is made again once the client is connected again", async () => {
    const f = fakeClient()
    f.answer(/GET \/v1\/me\/conversations\?/, { fail: new Error("down") })
    f.answer(/GET \/v1\/me\/conversations\/c1\/messages/, { fail: new Error("down") })
    const chat = createChat(f.client)
    const list = chat.conversations()
    const view = chat.conversation("c1")
    await settle()
    expect(list.getSnapshot().loaded).toBe(false)
    expect(view.getSnapshot().loaded).toBe(false)
    f.answer(/GET \/v1\/me\/conversations\?/, {
      ok: { count: 1, results: [conv("c1", { lastSeq: 1, unread: 1 })] }
    })
    f.answer(/GET \/v1\/me\/conversations\/c1\/messages/, { ok: { messages: [msg(1, "bo")] } })
    f.emit("state", { state: "reconnecting" })
    await settle()
    expect(list.getSnapshot().loaded).toBe(false)
    f.emit("state", { state: "connected" })
    await settle()
    expect(list.getSnapshot()).toMatchObject({ loaded: true, unread: 1 })
    expect(view.getSnapshot()).toMatchObject({ loaded: true, conversation: { id: "c1" } })
    expect(view.getSnapshot().messages.map((m) => m.seq)).toEqual([1])
  })
})

describe("one conversation", () => {
  const open = async (socket = true) => {
    const f = fakeClient(socket)
    f.answer(/GET \/v1\/me\/conversations\?/, {
      ok: { count: 1, results: [conv("c1", { lastSeq: 3, unread: 1, lastMessage: msg(3, "bo") })] }
    })
    f.answer(/GET \/v1\/me\/conversations\/c1\/messages\?limit=2$/, {
      ok: { messages: [msg(3, "bo"), msg(2, "ana")] }
    })
    const chat = createChat(f.client, { pageSize: 2 })
    const view = chat.conversation("c1")
    await settle()
    return { f, chat, view }
  }

  it("shows the latest page, live messages in order, and older pages on loadMore", async () => {
    const { f, view } = await open()
    expect(view.getSnapshot()).toMatchObject({ loaded: true, hasMore: true, conversation: { id: "c1" } })
    f.emit("message", entry(msg(5, "bo")))
    f.emit("message", entry(msg(4, "bo")))
    f.emit("message", entry(msg(4, "bo")))
    f.answer(/messages\?before=2&limit=2$/, { ok: { messages: [msg(1, "bo")] } })
    await view.loadMore()
    expect(view.getSnapshot().messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5])
    expect(view.getSnapshot().hasMore).toBe(false)
  })

  it("sends optimistically; the stored message takes its place under the same key, once", async () => {
    const { f, view } = await open()
    let answer!: (v: unknown) => void
    f.answer(/POST \/v1\/me\/conversations\/c1\/messages/, { wait: new Promise((r) => (answer = r)) })
    const sending = view.send("hello", { data: { x: 1 } })
    await settle()
    const shown = view.getSnapshot().messages.at(-1)!
    expect(shown).toMatchObject({ status: "sending", text: "hello", author: "ana", seq: 0, data: { x: 1 } })
    const { clientId } = f.requests.at(-1)!.body as { clientId: string }
    expect(f.requests.at(-1)!.body).toEqual({ text: "hello", data: { x: 1 }, clientId })
    expect(shown.clientId).toBe(clientId)
    // The stream entry comes before the answer.
    const stored = msg(4, "ana", "hello", { clientId, data: { x: 1 } })
    f.emit("message", entry(stored))
    expect(view.getSnapshot().messages.map((m) => [m.seq, m.status, m.key])).toEqual([
      [2, "sent", "#2"],
      [3, "sent", "#3"],
      [4, "sent", shown.key]
    ])
    answer(stored)
    expect(await sending).toEqual(stored)
    expect(view.getSnapshot().messages).toHaveLength(3)
  })

  it("a refused send stays failed, and retry sends it again with the same clientId", async () => {
    const { f, view } = await open()
    f.answer(/POST .*\/messages/, { fail: new Error("offline") })
    await expect(view.send("hi")).rejects.toThrow("offline")
    const failed = view.getSnapshot().messages.at(-1)!
    expect(failed.status).toBe("failed")
    f.answer(/POST .*\/messages/, { ok: msg(4, "ana", "hi", { clientId: failed.clientId }) })
    await view.retry(failed.key)
    expect((f.requests.at(-1)!.body as { clientId: string }).clientId).toBe(failed.clientId)
    expect(view.getSnapshot().messages.at(-1)).toMatchObject({ seq: 4, status: "sent", key: failed.key })
  })

  it("markRead reads up to the latest message, clears the unread at once, and skips what is read", async () => {
    const { f, chat, view } = await open()
    f.answer(/POST \/v1\/me\/conversations\/c1\/read/, { ok: { lastReadSeq: 3 } })
    expect(await view.markRead()).toBe(3)
    expect(f.requests.at(-1)).toEqual({
      method: "POST",
      path: "/v1/me/conversations/c1/read",
      body: { seq: 3 }
    })
    expect(chat.conversations().getSnapshot().unread).toBe(0)
    f.emit("conversation_read", {
      type: "conversation_read",
      seq: 20,
      conversation: "c1",
      user: "ana",
      lastReadSeq: 3
    })
    const calls = f.requests.length
    expect(await view.markRead()).toBe(3)
    expect(f.requests).toHaveLength(calls)
  })

  it("read receipts: readBy names the other members whose mark reached the message", async () => {
    const { f, view } = await open()
    expect(view.readBy(3)).toEqual([])
    f.emit("conversation_read", {
      type: "conversation_read",
      seq: 20,
      conversation: "c1",
      user: "bo",
      lastReadSeq: 3
    })
    expect(view.readBy(3)).toEqual(["bo"])
    expect(view.readBy(4)).toEqual([])
  })

  it("typing: one signal per 2 s over the WebSocket, else over REST", async () => {
    const { f, view } = await open()
    expect(view.typing()).toBe(true)
    expect(view.typing()).toBe(false)
    await vi.advanceTimersByTimeAsync(1999)
    expect(view.typing()).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(view.typing()).toBe(true)
    expect(f.sent).toEqual([
      { type: "typing", conversation: "c1" },
      { type: "typing", conversation: "c1" }
    ])
    const rest = await open(false)
    rest.f.answer(/POST \/v1\/me\/conversations\/c1\/typing/, { ok: undefined })
    expect(rest.view.typing()).toBe(true)
    expect(rest.f.requests.at(-1)).toMatchObject({ method: "POST", path: "/v1/me/conversations/c1/typing" })
  })

  it("shows who is typing until the timeout or their message, and tells onTyping each signal", async () => {
    const { f, view } = await open()
    const heard: Array<string> = []
    const off = view.onTyping((user) => heard.push(user))
    f.emit("typing", { type: "typing", conversation: "c1", user: "bo" })
    f.emit("typing", { type: "typing", conversation: "c2", user: "cy" })
    expect(view.getSnapshot().typingUsers).toEqual(["bo"])
    await vi.advanceTimersByTimeAsync(3000)
    f.emit("typing", { type: "typing", conversation: "c1", user: "bo" })
    await vi.advanceTimersByTimeAsync(3000)
    expect(view.getSnapshot().typingUsers).toEqual(["bo"])
    await vi.advanceTimersByTimeAsync(1000)
    expect(view.getSnapshot().typingUsers).toEqual([])
    f.emit("typing", { type: "typing", conversation: "c1", user: "bo" })
    f.emit("message", entry(msg(4, "bo")))
    expect(view.getSnapshot().typingUsers).toEqual([])
    off()
    f.emit("typing", { type: "typing", conversation: "c1", user: "bo" })
    expect(heard).toEqual(["bo", "bo", "bo"])
  })
})
