/**
 * Conversations' pure parts (PROTOCOL.md §13): the JSON text of conversations, messages and their
 * stream entries decodes with the protocol's schemas (the server splices them by hand, encoded
 * once); the away notification's summary names authors and counts; typing's once-per-2-s
 * throttle per user and conversation; the members a change leaves and who is told of it.
 */
import { Conversation, Message, ServerFrame } from "@pushback/protocol"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { summaryOf } from "../../src/conversations/awaySender.js"
import {
  type ConversationRecord,
  type MessageRecord,
  sizeAfter,
  toldOf
} from "../../src/conversations/ConversationStore.js"
import {
  conversationEntry,
  encodeConversation,
  encodeMessage,
  messageEntry,
  readEntry,
  typingFrame
} from "../../src/conversations/encode.js"
import { makeThrottle } from "../../src/conversations/Typing.js"

const at = "2026-11-22T10:00:00.000Z"
const message = (seq: number, author: string | null, extra: Partial<MessageRecord> = {}): MessageRecord => ({
  conversation: "cnv_1",
  seq,
  author,
  text: `m${seq} "quoted" \u2028 é`,
  data: null,
  createdAt: at,
  clientId: null,
  ...extra
})
const conversation: ConversationRecord = {
  id: "order:42",
  title: null,
  data: '{"a":[1,2]}',
  members: [
    { user: "ana", lastReadSeq: 2 },
    { user: "ben", lastReadSeq: 0 }
  ],
  createdAt: at,
  lastSeq: 2,
  lastActivity: at
}

describe("encoding", () => {
  it("makes JSON the protocol's schemas decode, entries included", () => {
    const m = message(1, "ana", { data: '{"k":"v"}', clientId: "c-1" })
    expect(Schema.decodeUnknownSync(Message)(JSON.parse(encodeMessage(m)))).toEqual({
      conversation: "cnv_1",
      seq: 1,
      author: "ana",
      text: m.text,
      data: { k: "v" },
      createdAt: at,
      clientId: "c-1"
    })
    expect(JSON.parse(encodeMessage(message(2, null)))).not.toHaveProperty("clientId")
    expect(
      Schema.decodeUnknownSync(Conversation)(JSON.parse(encodeConversation(conversation)))
    ).toMatchObject({
      id: "order:42",
      data: { a: [1, 2] },
      members: conversation.members
    })
    const frames = [
      messageEntry("ben", 7, encodeMessage(m)).payload,
      conversationEntry("ben", 8, encodeConversation(conversation)).payload,
      readEntry("ben", 9, "order:42", "ana", 2).payload,
      typingFrame("order:42", "ana")
    ]
    expect(frames.map((f) => Schema.decodeUnknownSync(ServerFrame)(JSON.parse(f)).type)).toEqual([
      "message",
      "conversation",
      "conversation_read",
      "typing"
    ])
  })
})

describe("the away summary", () => {
  const claim = (authors: Array<string | null>, names: Record<string, string> = {}) => ({
    unread: authors.map((a, i) => message(i + 1, a)),
    title: null,
    names
  })
  it("counts the unread messages and names up to two authors, then how many others", () => {
    expect(summaryOf(claim(["ana"], { ana: "Ana" }))).toBe("a new message from Ana")
    expect(summaryOf(claim(["ana", "ana", "ana"], { ana: "Ana" }))).toBe("3 new messages from Ana")
    expect(summaryOf(claim(["ana", "ben", null], { ana: "Ana" }))).toBe("3 new messages from Ana and ben")
    expect(summaryOf(claim(["a", "b", "c"]))).toBe("3 new messages from a, b and 1 other")
    expect(summaryOf(claim(["a", "b", "c", "d"]))).toBe("4 new messages from a, b and 2 others")
    expect(summaryOf(claim([null, null]))).toBe("2 new messages")
    expect(summaryOf(claim(Array.from({ length: 100 }, () => "a")))).toBe("100+ new messages from a")
  })
})

describe("typing's throttle", () => {
  it("allows one per 2 s per key", () => {
    let now = 0
    const allowed = makeThrottle(() => now)
    expect(allowed("a")).toBe(true)
    expect(allowed("b")).toBe(true)
    now = 1999
    expect(allowed("a")).toBe(false)
    now = 2000
    expect(allowed("a")).toBe(true)
    expect(allowed("a")).toBe(false)
  })
})

describe("member changes", () => {
  it("count the members left and tell everyone before and after, once", () => {
    expect(sizeAfter(conversation, { add: ["cy", "ana"], remove: ["ben"] })).toBe(2)
    expect(sizeAfter(conversation, { add: [], remove: ["ben", "ghost"] })).toBe(1)
    const after = {
      ...conversation,
      members: [
        { user: "ana", lastReadSeq: 2 },
        { user: "cy", lastReadSeq: 0 }
      ]
    }
    expect(toldOf(conversation, after)).toEqual(["ana", "ben", "cy"])
    expect(toldOf(conversation, { ...conversation, members: [...conversation.members] })).toEqual([])
    expect(toldOf(conversation, { ...conversation, title: "new" })).toEqual(["ana", "ben"])
  })
})
