/**
 * The public shape of `@pushback/browser/chat`: its options, the stores it hands out (the
 * conversation list and one conversation, each a snapshot with `subscribe`, the shape React's
 * `useSyncExternalStore` takes) and the actions on a conversation. `chat.ts` implements them.
 */
import type { ChatMessage } from "./chatThread.js"
import type { Message, MyConversation } from "./chatTypes.js"

/** Options of `createChat`. */
export interface ChatOptions {
  /** Least time between two typing signals of this user in one conversation, in ms. Default 2000 (the server forwards one per 2 s). */
  readonly typingInterval?: number
  /** How long someone is shown typing after their last signal, in ms. Default 4000. */
  readonly typingTimeout?: number
  /** Messages per history page (1–100). Default 50. */
  readonly pageSize?: number
}

/** A snapshot and its change notifications: the shape `useSyncExternalStore` takes. */
export interface Readable<S> {
  /** The current snapshot; the same object until something changes. */
  getSnapshot(): S
  /** Calls `listener` after every change; returns the unsubscribe. */
  subscribe(listener: () => void): () => void
}

/** What the conversation list shows. */
export interface ConversationListSnapshot {
  /** The user's conversations, most recent activity first, each with `unread` and `lastMessage`. */
  readonly conversations: ReadonlyArray<MyConversation>
  /** Whether the first page has been loaded. */
  readonly loaded: boolean
  /** Whether `loadMore()` has more. */
  readonly hasMore: boolean
  /** Unread messages of the loaded conversations together (a badge). */
  readonly unread: number
}

/** The user's conversations, live. */
export interface ConversationList extends Readable<ConversationListSnapshot> {
  /** Loads the next page of older conversations. */
  loadMore(): Promise<void>
}

/** What one conversation shows. */
export interface ConversationSnapshot {
  /** The conversation (title, members with their read marks, unread); undefined until loaded. */
  readonly conversation: MyConversation | undefined
  /** Oldest first: the history loaded so far, live messages, then the ones being sent. */
  readonly messages: ReadonlyArray<ChatMessage>
  /** Whether the latest page of history has been loaded. */
  readonly loaded: boolean
  /** Whether older history exists (`loadMore()`). */
  readonly hasMore: boolean
  /** The other members typing right now. */
  readonly typingUsers: ReadonlyArray<string>
}

/** One conversation, live, and what this user does in it. */
export interface ConversationView extends Readable<ConversationSnapshot> {
  readonly id: string
  /** Loads the next page of older messages. */
  loadMore(): Promise<void>
  /**
   * Sends a message: it shows at once (`status: "sending"`, a new `clientId`) and is replaced by
   * the stored one when the server answers or its stream entry arrives; refused, it stays
   * `failed` (`retry` it) and the promise rejects.
   */
  send(text: string, options?: { readonly data?: unknown }): Promise<Message>
  /** Sends a `failed` message again, with the same `clientId` (the server stores it once). */
  retry(key: string): Promise<Message>
  /** Marks the conversation read up to its latest message; resolves with the read mark. */
  markRead(): Promise<number>
  /** Tells the others this user is typing (at most once per `typingInterval`); false when skipped. */
  typing(): boolean
  /** Calls `listener` with the user each time another member signals typing; returns the unsubscribe. */
  onTyping(listener: (user: string) => void): () => void
  /** The other members who have read the message `seq` (read receipts). */
  readBy(seq: number): ReadonlyArray<string>
}

/** The chat of one client's user. */
export interface Chat {
  /** The user (read from the token; undefined until the token is known). */
  readonly user: string | undefined
  /** The user's conversations (loaded on first use). */
  conversations(): ConversationList
  /** One conversation (its latest messages loaded on first use); the same object for the same id. */
  conversation(id: string): ConversationView
  /** Stops listening (the client stays open). */
  close(): void
}
