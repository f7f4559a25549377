/**
 * Conversations (PROTOCOL.md §13): persistent threads of 2–100 member users whose messages are
 * stored, numbered per conversation, and delivered as entries of every member's stream, so they
 * are replayed exactly once, in order, like notifications. The bodies of the REST API, the
 * conversation and message as the API shows them, the three stream entries (`message`,
 * `conversation`, `conversation_read`) and the typing frames, which carry no `seq` and are never
 * stored. This module imports no frame module: Frames.ts adds these frames to its unions.
 */
import { Schema } from "effect"
import { Json, Seq, Timestamp, UserId } from "./Common.js"

/** Fewest and most members of a conversation. */
export const MinConversationMembers = 2
export const MaxConversationMembers = 100

/** Longest message text, in characters. */
export const MaxMessageTextLength = 4000

/** Most bytes of a conversation's or message's `data`, once serialized as JSON. */
export const MaxConversationDataBytes = 4096

/** Longest conversation title. */
export const MaxConversationTitleLength = 200

/** Most messages one history page holds (`limit`), and the default. */
export const MaxMessagePageLimit = 100
export const DefaultMessagePageLimit = 50

/** A conversation id: letters, digits and `_ . : -`, 1–128 characters (the server makes `cnv_…`). */
export const ConversationId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_.:-]{1,128}$/, {
    message: () => "must be 1-128 letters, digits or _ . : -"
  })
)
export type ConversationId = typeof ConversationId.Type

/** A client's id for a message it sends (idempotency per user): 1–64 characters. */
const ClientMessageId = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must be a non-empty string" }),
  Schema.maxLength(64, { message: () => "must be at most 64 characters" })
)

const isSmallJson = (v: unknown): boolean => {
  const text = JSON.stringify(v)
  return text === undefined || new TextEncoder().encode(text).length <= MaxConversationDataBytes
}

/** Any JSON value of at most 4 KiB once serialized. */
const ConversationData = Schema.Unknown.pipe(
  Schema.filter(isSmallJson, { message: () => `must be at most ${MaxConversationDataBytes} bytes as JSON` })
)

const Title = Schema.String.pipe(
  Schema.maxLength(MaxConversationTitleLength, {
    message: () => `must be at most ${MaxConversationTitleLength} characters`
  })
)

const Members = Schema.Array(UserId).pipe(
  Schema.minItems(MinConversationMembers, {
    message: () => `must name at least ${MinConversationMembers} users`
  }),
  Schema.maxItems(MaxConversationMembers, {
    message: () => `must name at most ${MaxConversationMembers} users`
  })
)

const MemberChanges = Schema.Array(UserId).pipe(
  Schema.maxItems(MaxConversationMembers, {
    message: () => `must name at most ${MaxConversationMembers} users`
  })
)

/** A message's text: 1–4,000 characters. */
const MessageText = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must be a non-empty string" }),
  Schema.maxLength(MaxMessageTextLength, {
    message: () => `must be at most ${MaxMessageTextLength} characters`
  })
)

/** One member of a conversation and how far they have read. */
export const ConversationMember = Schema.Struct({ user: UserId, lastReadSeq: Seq })
export type ConversationMember = typeof ConversationMember.Type

/** A conversation as the API shows it; `lastSeq` is its latest message's seq (0: none yet). */
export const Conversation = Schema.Struct({
  id: ConversationId,
  title: Schema.NullOr(Schema.String),
  data: Json,
  members: Schema.Array(ConversationMember),
  createdAt: Timestamp,
  lastSeq: Seq
})
export type Conversation = typeof Conversation.Type

/** A stored message: `seq` grows by 1 per conversation; `author` null is a system message. */
export const Message = Schema.Struct({
  conversation: ConversationId,
  seq: Schema.Int.pipe(Schema.positive()),
  author: Schema.NullOr(UserId),
  text: Schema.String,
  data: Json,
  createdAt: Timestamp,
  clientId: Schema.optional(Schema.String)
})
export type Message = typeof Message.Type

/** `POST /v1/conversations` body (app secret): the members (registered when unknown), a title, data. */
export const CreateConversationRequest = Schema.Struct({
  id: Schema.optional(ConversationId),
  members: Members,
  title: Schema.optional(Schema.NullOr(Title)),
  data: Schema.optional(ConversationData)
})
export type CreateConversationRequest = typeof CreateConversationRequest.Type

/** `PATCH /v1/conversations/{id}` body: what changes (a member both added and removed is refused). */
export const UpdateConversationRequest = Schema.Struct({
  title: Schema.optional(Schema.NullOr(Title)),
  data: Schema.optional(ConversationData),
  add: Schema.optional(MemberChanges),
  remove: Schema.optional(MemberChanges)
})
export type UpdateConversationRequest = typeof UpdateConversationRequest.Type

/** `POST /v1/conversations/{id}/messages` body (app secret): `author` null or absent, a system message. */
export const PostMessageRequest = Schema.Struct({
  text: MessageText,
  data: Schema.optional(ConversationData),
  author: Schema.optional(Schema.NullOr(UserId))
})
export type PostMessageRequest = typeof PostMessageRequest.Type

/** `POST /v1/me/conversations/{id}/messages` body (a member): a repeat of `clientId` answers the first. */
export const SendMessageRequest = Schema.Struct({
  text: MessageText,
  data: Schema.optional(ConversationData),
  clientId: ClientMessageId
})
export type SendMessageRequest = typeof SendMessageRequest.Type

/** `POST /v1/me/conversations/{id}/read` body: read up to `seq` (never moves back). */
export const ReadConversationRequest = Schema.Struct({ seq: Seq })
export type ReadConversationRequest = typeof ReadConversationRequest.Type

/** `POST /v1/me/conversations/{id}/read` answer: how far the member has read now. */
export const ReadConversationResponse = Schema.Struct({ lastReadSeq: Seq })
export type ReadConversationResponse = typeof ReadConversationResponse.Type

/** One of a user's conversations: with their unread count and the latest message (null: none). */
export const MyConversation = Schema.Struct({
  ...Conversation.fields,
  unread: Schema.Int.pipe(Schema.nonNegative()),
  lastMessage: Schema.NullOr(Message)
})
export type MyConversation = typeof MyConversation.Type

/** `GET /v1/me/conversations` answer: most recent activity first. */
export const MyConversationList = Schema.Struct({
  count: Schema.Int,
  results: Schema.Array(MyConversation)
})
export type MyConversationList = typeof MyConversationList.Type

/** `GET /v1/me/conversations/{id}/messages` query (strings, as parsed from the URL). */
export const MessagesQuery = Schema.Struct({
  before: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.positive())),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, MaxMessagePageLimit)))
})
export type MessagesQuery = typeof MessagesQuery.Type

/** `GET /v1/me/conversations/{id}/messages` answer: newest first. */
export const MessageList = Schema.Struct({ messages: Schema.Array(Message) })
export type MessageList = typeof MessageList.Type

/** One conversation as the operator's dashboard lists it (`GET /v1/apps/{appId}/conversations`). */
export const ConversationSummary = Schema.Struct({
  id: ConversationId,
  title: Schema.NullOr(Schema.String),
  members: Schema.Array(UserId),
  messages: Schema.Int.pipe(Schema.nonNegative()),
  createdAt: Timestamp,
  /** When its latest message was posted, else when it was created. */
  lastActivity: Timestamp
})
export type ConversationSummary = typeof ConversationSummary.Type

/** `GET /v1/apps/{appId}/conversations` answer (admin token): most recent activity first. */
export const ConversationSummaryList = Schema.Struct({
  count: Schema.Int,
  results: Schema.Array(ConversationSummary)
})
export type ConversationSummaryList = typeof ConversationSummaryList.Type

/** `GET`/`PUT /v1/conversation-settings` (app secret): seconds before an away member is notified. */
export const ConversationSettings = Schema.Struct({
  notifyAfter: Schema.Int.pipe(Schema.between(0, 604_800))
})
export type ConversationSettings = typeof ConversationSettings.Type

/** `PUT /v1/conversation-settings` body. */
export const PutConversationSettingsRequest = Schema.Struct({
  notifyAfter: Schema.optional(Schema.Int.pipe(Schema.between(0, 604_800)))
})
export type PutConversationSettingsRequest = typeof PutConversationSettingsRequest.Type

// ---------------------------------------------------------------- frames

/** A message stored in one of the user's conversations: a stream entry. */
export const MessageFrame = Schema.Struct({
  type: Schema.Literal("message"),
  seq: Seq,
  message: Message
})
export type MessageFrame = typeof MessageFrame.Type

/** A conversation created, renamed or whose members changed: a stream entry. */
export const ConversationFrame = Schema.Struct({
  type: Schema.Literal("conversation"),
  seq: Seq,
  conversation: Conversation
})
export type ConversationFrame = typeof ConversationFrame.Type

/** A member read a conversation up to `lastReadSeq`: a stream entry of every member. */
export const ConversationReadFrame = Schema.Struct({
  type: Schema.Literal("conversation_read"),
  seq: Seq,
  conversation: ConversationId,
  user: UserId,
  lastReadSeq: Seq
})
export type ConversationReadFrame = typeof ConversationReadFrame.Type

/** Someone is typing in a conversation: live only, no `seq`, never stored or replayed. */
export const TypingFrame = Schema.Struct({
  type: Schema.Literal("typing"),
  conversation: ConversationId,
  user: UserId
})
export type TypingFrame = typeof TypingFrame.Type

/** Client → server (WebSocket): the user is typing in a conversation they are a member of. */
export const TypingActionFrame = Schema.Struct({
  type: Schema.Literal("typing"),
  conversation: ConversationId,
  /** When given, the server answers with a `reply` (refused: not a member). */
  ref: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64)))
})
export type TypingActionFrame = typeof TypingActionFrame.Type
