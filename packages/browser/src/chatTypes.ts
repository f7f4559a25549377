/**
 * The chat's wire types (PROTOCOL.md §13) restated as plain interfaces, like `types.ts` (see
 * why there): conversations, messages, the three stream entries and the typing frame.
 * `test/types.test.ts` fails the type check the moment they drift from `@pushback/protocol`'s.
 */

/** One member of a conversation and how far they have read. */
export interface ConversationMember {
  readonly user: string
  readonly lastReadSeq: number
}

/** A conversation: `lastSeq` is its latest message's `seq` (0: none yet). */
export interface Conversation {
  readonly id: string
  readonly title: string | null
  /** Any JSON value, or null. */
  readonly data: unknown
  readonly members: ReadonlyArray<ConversationMember>
  readonly createdAt: string
  readonly lastSeq: number
}

/** A stored message; `seq` grows by 1 per conversation; `author` null is a system message. */
export interface Message {
  readonly conversation: string
  readonly seq: number
  readonly author: string | null
  readonly text: string
  /** Any JSON value, or null. */
  readonly data: unknown
  readonly createdAt: string
  /** The sender's own id for it (what `send` generates), when a user sent it. */
  readonly clientId?: string | undefined
}

/** One of the user's conversations, with their unread count and the latest message. */
export interface MyConversation extends Conversation {
  readonly unread: number
  readonly lastMessage: Message | null
}

/** A message stored in one of the user's conversations: a stream entry. */
export interface MessageFrame {
  readonly type: "message"
  readonly seq: number
  readonly message: Message
}

/** A conversation created, renamed or whose members changed: a stream entry. */
export interface ConversationFrame {
  readonly type: "conversation"
  readonly seq: number
  readonly conversation: Conversation
}

/** A member read a conversation up to `lastReadSeq`: a stream entry of every member. */
export interface ConversationReadFrame {
  readonly type: "conversation_read"
  readonly seq: number
  readonly conversation: string
  readonly user: string
  readonly lastReadSeq: number
}

/** Someone is typing in a conversation: live only, no `seq`, never replayed. */
export interface TypingFrame {
  readonly type: "typing"
  readonly conversation: string
  readonly user: string
}

/** The chat's stream entries. */
export type ChatEntryFrame = MessageFrame | ConversationFrame | ConversationReadFrame
