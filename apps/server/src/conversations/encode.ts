/**
 * Conversations and messages as JSON text (PROTOCOL.md §13), and their stream entries: a message
 * is encoded once and spliced into every member's `message` frame, only `seq` differing, as
 * notify/Encode.ts does for a call's shared part. Stored `data` is JSON text, spliced in as is.
 * Typing frames are made here too: they carry no `seq` and are never stored.
 */
import type { StreamEntry } from "../notify/Encode.js"
import type { ConversationRecord, MemberRecord, MessageRecord } from "./ConversationStore.js"

const q = JSON.stringify
const orNull = (v: string | null): string => (v === null ? "null" : q(v))

/** A Message object as JSON text; `clientId` only when it has one. */
export const encodeMessage = (m: MessageRecord): string =>
  `{"conversation":${q(m.conversation)},"seq":${m.seq},"author":${orNull(m.author)},"text":${q(m.text)}` +
  `,"data":${m.data ?? "null"},"createdAt":${q(m.createdAt)}${m.clientId === null ? "" : `,"clientId":${q(m.clientId)}`}}`

const encodeMember = (m: MemberRecord): string => `{"user":${q(m.user)},"lastReadSeq":${m.lastReadSeq}}`

/** A Conversation object as JSON text. */
export const encodeConversation = (c: ConversationRecord): string =>
  `{"id":${q(c.id)},"title":${orNull(c.title)},"data":${c.data ?? "null"},"members":[${c.members
    .map(encodeMember)
    .join(",")}],"createdAt":${q(c.createdAt)},"lastSeq":${c.lastSeq}}`

/** The `message` entry of `user` at `seq`, from the message's JSON text (encodeMessage). */
export const messageEntry = (user: string, seq: number, message: string): StreamEntry => ({
  user,
  seq,
  payload: `{"type":"message","seq":${seq},"message":${message}}`
})

/** The `conversation` entry of `user` at `seq`, from the conversation's JSON text. */
export const conversationEntry = (user: string, seq: number, conversation: string): StreamEntry => ({
  user,
  seq,
  payload: `{"type":"conversation","seq":${seq},"conversation":${conversation}}`
})

/** The `conversation_read` entry of `user` at `seq`: `reader` read conversation `id` up to `lastReadSeq`. */
export const readEntry = (
  user: string,
  seq: number,
  id: string,
  reader: string,
  lastReadSeq: number
): StreamEntry => ({
  user,
  seq,
  payload: `{"type":"conversation_read","seq":${seq},"conversation":${q(id)},"user":${q(reader)},"lastReadSeq":${lastReadSeq}}`
})

/** The typing frame: live only, no `seq`. */
export const typingFrame = (conversation: string, user: string): string =>
  `{"type":"typing","conversation":${q(conversation)},"user":${q(user)}}`

/** A `conversations` row and its members as a record. */
export const conversationOf = (
  r: Record<string, unknown>,
  members: ReadonlyArray<MemberRecord>
): ConversationRecord => ({
  id: String(r["id"]),
  title: r["title"] === null || r["title"] === undefined ? null : String(r["title"]),
  data: r["data"] === null || r["data"] === undefined ? null : String(r["data"]),
  members,
  createdAt: String(r["created_at"]),
  lastSeq: Number(r["last_seq"] ?? 0),
  lastActivity: String(r["last_activity"] ?? r["created_at"])
})

/** A `messages` row as a record. */
export const messageOf = (r: Record<string, unknown>): MessageRecord => ({
  conversation: String(r["conversation"]),
  seq: Number(r["seq"]),
  author: r["author"] === null || r["author"] === undefined ? null : String(r["author"]),
  text: String(r["text"]),
  data: r["data"] === null || r["data"] === undefined ? null : String(r["data"]),
  createdAt: String(r["created_at"]),
  clientId: r["client_id"] === null || r["client_id"] === undefined ? null : String(r["client_id"])
})

/** Members in id order (byte order, the same on both stores). */
export const byUser = (a: MemberRecord, b: MemberRecord): number =>
  a.user < b.user ? -1 : a.user > b.user ? 1 : 0
