/**
 * The storage port of conversations (PROTOCOL.md §13): conversations, their members with how far
 * each read, messages numbered per conversation, and the per-app settings. Like topics', it is a
 * tag of its own that each backend's layer provides beside the Store. Every write that a member
 * can see is one transaction that also appends a stream entry (with that member's next `seq`,
 * ARCHITECTURE.md rule 1) to every member's stream and answers those entries, so the caller
 * publishes them after the commit: a 2xx means stored and on its way to everyone. SQLite's writes
 * run on the writer thread (sqliteConversationWrites.ts), PostgreSQL's on its pool under row locks
 * (pgConversations.ts); the reads are portable (conversationReads.ts).
 */
import { randomUUID } from "node:crypto"
import { Context, type Effect } from "effect"
import type { StreamEntry } from "../notify/Encode.js"
import type { OutboxRow } from "../outbox/OutboxStore.js"
import { webhookEvent } from "../webhooks/events.js"
import type { WebhookEventRow } from "../webhooks/WebhookStore.js"

/** One member and how far they have read. */
export interface MemberRecord {
  readonly user: string
  readonly lastReadSeq: number
}

/** A conversation as stored; `data` is JSON text (null: none). */
export interface ConversationRecord {
  readonly id: string
  readonly title: string | null
  readonly data: string | null
  readonly members: ReadonlyArray<MemberRecord>
  readonly createdAt: string
  readonly lastSeq: number
  /** When its latest message was stored, else when it was created. */
  readonly lastActivity: string
}

/** A message as stored; `data` is JSON text (null: none). */
export interface MessageRecord {
  readonly conversation: string
  readonly seq: number
  readonly author: string | null
  readonly text: string
  readonly data: string | null
  readonly createdAt: string
  readonly clientId: string | null
}

/** One of a user's conversations with their unread count and its latest message. */
export interface UserConversation {
  readonly conversation: ConversationRecord
  readonly unread: number
  readonly lastMessage: MessageRecord | null
}

/** One conversation as the operator's list shows it. */
export interface ConversationSummaryRecord {
  readonly id: string
  readonly title: string | null
  readonly members: ReadonlyArray<string>
  readonly messages: number
  readonly createdAt: string
  readonly lastActivity: string
}

/** What a create stores; members are distinct ids. */
export interface NewConversation {
  readonly id: string
  readonly members: ReadonlyArray<string>
  readonly title: string | null
  readonly data: string | null
}

/** What a PATCH changes (undefined: stays); `add` and `remove` are distinct ids. */
export interface ConversationChange {
  readonly title?: string | null | undefined
  readonly data?: string | null | undefined
  readonly add: ReadonlyArray<string>
  readonly remove: ReadonlyArray<string>
}

/** A message to store: from a member (`clientId` for idempotency) or the backend. */
export interface NewMessage {
  readonly author: string | null
  readonly text: string
  readonly data: string | null
  readonly clientId: string | null
  /** The members with a live session as it is stored (they get no away notification). */
  readonly online: ReadonlyArray<string>
}

/** What a write did: the stream entries to publish once committed. */
export interface Written<A> {
  readonly value: A
  readonly entries: ReadonlyArray<StreamEntry>
}

/** How storing a message ended. */
export type PostOutcome =
  | {
      readonly _tag: "Stored"
      readonly message: MessageRecord
      readonly entries: ReadonlyArray<StreamEntry>
      /** Outbox jobs queued: away notifications and `message.created` webhook events. */
      readonly queued: number
    }
  /** The same user's same `clientId` was stored before: its first message. */
  | { readonly _tag: "Repeated"; readonly message: MessageRecord }
  | { readonly _tag: "NotFound" }
  /** The author is not a member (a removed member, or never one). */
  | { readonly _tag: "NotMember" }

/** How a PATCH ended. */
export type UpdateOutcome =
  | { readonly _tag: "Updated"; readonly written: Written<ConversationRecord> }
  | { readonly _tag: "NotFound" }
  /** The members would be fewer than 2 or more than 100: nothing changed. */
  | { readonly _tag: "BadSize"; readonly size: number }

/** An away member's pending notification, taken by its sender (away_seq cleared). */
export interface AwayClaim {
  /** The unread messages by others after the member's last read, oldest first (at most 100). */
  readonly unread: ReadonlyArray<MessageRecord>
  /** The conversation's title. */
  readonly title: string | null
  /** The authors' names, by id, for those who have one. */
  readonly names: Readonly<Record<string, string>>
}

/** The ConversationStore interface. Storage failures are defects (500). */
export interface ConversationStoreShape {
  /** Creates a conversation (registering unknown members); undefined when the id is taken. */
  readonly create: (
    app: string,
    input: NewConversation,
    now: string
  ) => Effect.Effect<Written<ConversationRecord> | undefined>
  readonly update: (
    app: string,
    id: string,
    change: ConversationChange,
    now: string
  ) => Effect.Effect<UpdateOutcome>
  /** Deletes a conversation with its messages; its former members get it with no members. */
  readonly remove: (app: string, id: string, now: string) => Effect.Effect<Written<null> | undefined>
  readonly post: (app: string, id: string, message: NewMessage, now: string) => Effect.Effect<PostOutcome>
  /** Moves a member's read mark forward (never back, never past the last message). */
  readonly read: (
    app: string,
    id: string,
    user: string,
    seq: number,
    now: string
  ) => Effect.Effect<Written<number> | "NotMember">
  /**
   * Takes a member's pending away notification (clears the mark, so a later message starts a new
   * quiet period); undefined when none is pending or they are no member. `retry`: the job was
   * attempted before, so the mark may be gone already; the unread messages are read without it.
   */
  readonly claimAway: (
    app: string,
    id: string,
    user: string,
    retry: boolean
  ) => Effect.Effect<AwayClaim | undefined>
  readonly setNotifyAfter: (app: string, seconds: number) => Effect.Effect<void>
  readonly get: (app: string, id: string) => Effect.Effect<ConversationRecord | undefined>
  /** Whether `user` is a member of conversation `id` (false too when there is none). */
  readonly isMember: (app: string, id: string, user: string) => Effect.Effect<boolean>
  /** A page of a user's conversations, most recent activity first. */
  readonly ofUser: (
    app: string,
    user: string,
    limit: number,
    offset: number
  ) => Effect.Effect<{ readonly count: number; readonly results: ReadonlyArray<UserConversation> }>
  /** A page of history, newest first, before `before` (undefined: the latest). */
  readonly messages: (
    app: string,
    id: string,
    before: number | undefined,
    limit: number
  ) => Effect.Effect<ReadonlyArray<MessageRecord>>
  /** The app's conversations for the operator, most recent activity first. */
  readonly summaries: (
    app: string,
    limit: number,
    offset: number
  ) => Effect.Effect<{ readonly count: number; readonly results: ReadonlyArray<ConversationSummaryRecord> }>
  /** Seconds after which an away member is notified (the app's setting, else the default). */
  readonly notifyAfter: (app: string) => Effect.Effect<number>
}

/** The ConversationStore service tag. */
export class ConversationStore extends Context.Tag("@pushback/server/ConversationStore")<
  ConversationStore,
  ConversationStoreShape
>() {}

/** Seconds after which an away member is notified when the app set nothing (PROTOCOL.md §13). */
export const DEFAULT_NOTIFY_AFTER = 60

/** The outbox kind of an away member's notification. */
export const AWAY = "chat"

/** The outbox job of an away member's notification for message `seq`, due `notifyAfter` s after `now`. */
export const awayRow = (
  user: string,
  conversation: string,
  seq: number,
  now: string,
  notifyAfter: number
): OutboxRow => ({
  id: `away_${randomUUID()}`,
  kind: AWAY,
  callId: null,
  notificationId: null,
  userId: user,
  payload: JSON.stringify({ conversation, seq }),
  dueAt: new Date(Date.parse(now) + notifyAfter * 1000).toISOString()
})

/** The webhook event of a stored message (PROTOCOL.md §15). */
export const MESSAGE_CREATED = "message.created"

/** The `message.created` event of `message` (its JSON text `json`), by its author when it has one. */
export const messageCreated = (app: string, message: MessageRecord, json: string): WebhookEventRow =>
  webhookEvent(
    app,
    MESSAGE_CREATED,
    {
      user: message.author ?? undefined,
      conversation: message.conversation,
      message: JSON.parse(json) as unknown
    },
    message.createdAt
  )

/** How many members a conversation has after `change`: what a PATCH must keep within 2–100. */
export const sizeAfter = (before: ConversationRecord, change: ConversationChange): number => {
  const removing = new Set(change.remove)
  const kept = before.members.filter((m) => !removing.has(m.user)).map((m) => m.user)
  return new Set([...kept, ...change.add]).size
}

/**
 * Who is told of a change: every member before it and after it, once each; nobody when it
 * changed nothing (same title, data and members).
 */
export const toldOf = (before: ConversationRecord, after: ConversationRecord): Array<string> => {
  const ids = (c: ConversationRecord) => c.members.map((m) => m.user).join("\u0000")
  if (before.title === after.title && before.data === after.data && ids(before) === ids(after)) return []
  return [...new Set([...before.members.map((m) => m.user), ...after.members.map((m) => m.user)])]
}
