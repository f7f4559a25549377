/**
 * The frames of the real-time stream (PROTOCOL.md §4.1). The same objects travel over
 * WebSocket, SSE and long-poll; client frames exist on WebSocket only.
 */
import { Schema } from "effect"
import { Seq, TypeName, Timestamp, UserId } from "./Common.js"
import { DefaultLimits } from "./Limits.js"
import { ErrorCode } from "./Errors.js"
import { ListStatus } from "./Api.js"
import { Notification } from "./Notification.js"
import {
  JoinFrame,
  LeaveFrame,
  PresenceActionFrame,
  PublicationFrame,
  PublishFrame,
  SubscribedFrame,
  SubscribeFrame,
  UnsubscribedFrame,
  UnsubscribeFrame
} from "./Channels.js"
import {
  ConversationFrame,
  ConversationReadFrame,
  MessageFrame,
  TypingActionFrame,
  TypingFrame
} from "./Conversations.js"

// ---------------------------------------------------------------- server → client

/** First frame of every connection. */
export const WelcomeFrame = Schema.Struct({
  type: Schema.Literal("welcome"),
  user: UserId,
  session: Schema.String,
  cursor: Seq,
  unseen: Schema.Int
})
export type WelcomeFrame = typeof WelcomeFrame.Type

/** A new notification: a stream entry. */
export const NotificationFrame = Schema.Struct({
  type: Schema.Literal("notification"),
  seq: Seq,
  notification: Notification
})
export type NotificationFrame = typeof NotificationFrame.Type

const markFrame = <T extends "seen" | "read" | "deleted">(type: T) =>
  Schema.Struct({ type: Schema.Literal(type), seq: Seq, ids: Schema.Array(Schema.String) })

/**
 * A mark made in any session: a stream entry listing the ids it changed. One struct per
 * `type` so that unions of frames narrow on `type` and report the member's own field.
 */
export const MarkFrame = Schema.Union(markFrame("seen"), markFrame("read"), markFrame("deleted"))
export type MarkFrame = typeof MarkFrame.Type

/** The cursor cannot be resumed: refetch over REST and continue from `cursor`. */
export const ResetFrame = Schema.Struct({ type: Schema.Literal("reset"), cursor: Seq })
export type ResetFrame = typeof ResetFrame.Type

// `ok` is a refined boolean rather than a literal on purpose: a literal would become a second
// discriminator of `ServerFrame`, and every non-reply frame that failed would also be reported
// as "ok is missing". This way both reply shapes sit under `type: "reply"`. The error shape
// comes first so that `{"ok": false}` without `error` is reported as a missing `error`.
const okIs = <B extends boolean>(value: B) =>
  Schema.Boolean.pipe(Schema.filter((b): b is B => b === value, { message: () => `must be ${value}` }))

/** The answer to a client action, by reference: `result` when `ok`, else `error`. */
export const ReplyFrame = Schema.Union(
  Schema.Struct({
    type: Schema.Literal("reply"),
    ref: Schema.String,
    ok: okIs(false),
    error: Schema.Struct({ code: ErrorCode, message: Schema.String })
  }),
  Schema.Struct({
    type: Schema.Literal("reply"),
    ref: Schema.String,
    ok: okIs(true),
    result: Schema.Unknown
  })
)
export type ReplyFrame = typeof ReplyFrame.Type

/** A connection-level error, usually right before a close. */
export const ErrorFrame = Schema.Struct({
  type: Schema.Literal("error"),
  code: Schema.String,
  message: Schema.String
})
export type ErrorFrame = typeof ErrorFrame.Type

/** The answer to a client `ping`. */
export const PongFrame = Schema.Struct({ type: Schema.Literal("pong") })
export type PongFrame = typeof PongFrame.Type

/** A stream entry: what carries a `seq`. */
export const StreamEntryFrame = Schema.Union(
  NotificationFrame,
  ...MarkFrame.members,
  MessageFrame,
  ConversationFrame,
  ConversationReadFrame
)
export type StreamEntryFrame = typeof StreamEntryFrame.Type

/** Any frame the server sends. Flat, so that decoding narrows on `type` to one shape. */
export const ServerFrame = Schema.Union(
  WelcomeFrame,
  NotificationFrame,
  ...MarkFrame.members,
  ResetFrame,
  ...ReplyFrame.members,
  ErrorFrame,
  PongFrame,
  MessageFrame,
  ConversationFrame,
  ConversationReadFrame,
  TypingFrame,
  SubscribedFrame,
  PublicationFrame,
  JoinFrame,
  LeaveFrame,
  UnsubscribedFrame
)
export type ServerFrame = typeof ServerFrame.Type

/** A long-poll answer. */
export const PollResponse = Schema.Struct({ frames: Schema.Array(ServerFrame), cursor: Seq })
export type PollResponse = typeof PollResponse.Type

// ---------------------------------------------------------------- client → server

const Ref = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64))
const Ids = Schema.Array(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64))).pipe(
  Schema.minItems(1),
  Schema.maxItems(1000)
)

/** First frame on a WebSocket opened without `?token=`. */
export const HelloFrame = Schema.Struct({
  type: Schema.Literal("hello"),
  token: Schema.String,
  cursor: Schema.optional(Seq)
})
export type HelloFrame = typeof HelloFrame.Type

const markAction = <T extends "seen" | "read" | "delete">(type: T) =>
  Schema.Struct({ type: Schema.Literal(type), ids: Ids, ref: Schema.optional(Ref) })

/** Mark notifications seen or read, or delete them (one struct per `type`, as `MarkFrame`). */
export const MarkActionFrame = Schema.Union(markAction("seen"), markAction("read"), markAction("delete"))
export type MarkActionFrame = typeof MarkActionFrame.Type

/** List the unseen notifications. */
export const UnseenActionFrame = Schema.Struct({ type: Schema.Literal("unseen"), ref: Ref })
export type UnseenActionFrame = typeof UnseenActionFrame.Type

/** A page of notifications, like the REST list. */
export const PageActionFrame = Schema.Struct({
  type: Schema.Literal("page"),
  ref: Ref,
  limit: Schema.optional(Schema.Int.pipe(Schema.between(1, DefaultLimits.maxPageLimit))),
  offset: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  status: Schema.optional(ListStatus),
  since: Schema.optional(Timestamp),
  before: Schema.optional(Timestamp),
  eventType: Schema.optional(TypeName)
})
export type PageActionFrame = typeof PageActionFrame.Type

/** Application-level ping, answered by `pong`. */
export const PingFrame = Schema.Struct({ type: Schema.Literal("ping") })
export type PingFrame = typeof PingFrame.Type

/** Any frame a client may send: `hello` first (unless `?token=` was given), then actions. */
export const ClientFrame = Schema.Union(
  HelloFrame,
  ...MarkActionFrame.members,
  UnseenActionFrame,
  PageActionFrame,
  PingFrame,
  TypingActionFrame,
  SubscribeFrame,
  UnsubscribeFrame,
  PublishFrame,
  PresenceActionFrame
)
export type ClientFrame = typeof ClientFrame.Type
