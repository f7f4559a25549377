/**
 * The wire types the SDK reads and writes (PROTOCOL.md §3.3, §4.1), as plain interfaces.
 *
 * `@pushback/protocol` owns these shapes, but its types are derived from Effect Schemas, so a
 * declaration file that imported them would make every user of this SDK install Effect just
 * to type-check. They are restated here instead, and `test/types.test.ts` fails the type check
 * the moment they drift from the protocol package's.
 */
import type { ChannelFrame } from "./channels/types.js"
import type { ChatEntryFrame, TypingFrame } from "./chatTypes.js"

/** One notification for one user. */
export interface Notification {
  readonly id: string
  readonly user: string
  /** The topic through which the user was reached, null when named (servers before topics leave it out). */
  readonly topic?: string | null | undefined
  readonly type: string | null
  readonly title: string | null
  /** Any JSON value: a string or what the backend sent. */
  readonly content: unknown
  readonly url: string | null
  readonly icon: string | null
  readonly image: string | null
  /** Any JSON value, or null. */
  readonly data: unknown
  /** Who caused it (a user id), or null. */
  readonly author: string | null
  readonly createdAt: string
  readonly seenAt: string | null
  readonly readAt: string | null
  /** When first written to a session of the user (REST reads; a frame leaves it out). */
  readonly deliveredAt?: string | null | undefined
}

/** First frame of every connection. */
export interface WelcomeFrame {
  readonly type: "welcome"
  readonly user: string
  readonly session: string
  readonly cursor: number
  readonly unseen: number
}

/** A new notification: a stream entry. */
export interface NotificationFrame {
  readonly type: "notification"
  readonly seq: number
  readonly notification: Notification
}

/** A mark made in any session: a stream entry listing the ids it changed. */
export interface MarkFrame {
  readonly type: "seen" | "read" | "deleted"
  readonly seq: number
  readonly ids: ReadonlyArray<string>
}

/** A stream entry: what carries a `seq`. */
export type StreamEntryFrame = NotificationFrame | MarkFrame

/** The cursor cannot be resumed: refetch over REST and continue from `cursor`. */
export interface ResetFrame {
  readonly type: "reset"
  readonly cursor: number
}

/** The answer to a client action, by reference. */
export type ReplyFrame =
  | { readonly type: "reply"; readonly ref: string; readonly ok: true; readonly result: unknown }
  | {
      readonly type: "reply"
      readonly ref: string
      readonly ok: false
      readonly error: { readonly code: string; readonly message: string }
    }

/** A connection-level error, usually right before a close. */
export interface ErrorFrame {
  readonly type: "error"
  readonly code: string
  readonly message: string
}

/** Any frame the server sends (the chat's are read by `@pushback/browser/chat`, the channels' by `/channels`). */
export type ServerFrame =
  | WelcomeFrame
  | StreamEntryFrame
  | ChatEntryFrame
  | TypingFrame
  | ChannelFrame
  | ResetFrame
  | ReplyFrame
  | ErrorFrame
  | { readonly type: "pong" }

/** A frame the SDK sends over WebSocket. */
export type ClientFrame =
  | { readonly type: "hello"; readonly token: string; readonly cursor?: number }
  | { readonly type: "seen" | "read" | "delete"; readonly ids: ReadonlyArray<string>; readonly ref?: string }
  | { readonly type: "ping" }

/** `GET /v1/me/counts`. */
export interface Counts {
  readonly unseen: number
  readonly unread: number
  readonly total: number
}

/** A page of `GET /v1/me/notifications`, newest first. */
export interface NotificationList {
  readonly count: number
  readonly next: string | null
  readonly previous: string | null
  readonly results: ReadonlyArray<Notification>
}
