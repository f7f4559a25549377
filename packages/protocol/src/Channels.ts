/**
 * Channels (PROTOCOL.md §12): live publish/subscribe with presence and history, nothing stored
 * in inboxes. Channel and namespace names, a namespace's options, the REST bodies (publish,
 * active channels, presence, history), the channel token's claims, and the frames: what a
 * WebSocket client sends (`subscribe`, `unsubscribe`, `publish`, `presence`, each with a `ref`)
 * and what every transport receives (`subscribed`, `publication`, `join`, `leave`,
 * `unsubscribed`).
 *
 * Replies: every client frame with a `ref` is answered by exactly one `reply`. A subscribe that
 * is accepted sends `subscribed` first, then `reply` `ok: true` (`result: {channel}`); a refused
 * one only the `reply` with `ok: false` and `forbidden`, `not_found`, `bad_request` or
 * `rate_limited` (the socket stays open). `publish` answers `{offset, epoch}`, `presence`
 * `{users}`, `unsubscribe` `{channel}` after an `unsubscribed` frame.
 */
import { Schema } from "effect"
import { BoundedString, Json, UserId } from "./Common.js"
import { DefaultLimits } from "./Limits.js"

/** A channel name: letters, digits and `_ . : @ = -`, 1–255 characters; its namespace is the part before the first `:`. */
export const ChannelName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_.:@=-]{1,255}$/, {
    message: () => "must be 1-255 letters, digits or _ . : @ = -"
  })
)
export type ChannelName = typeof ChannelName.Type

/** A namespace as a path names it: `_default` for the empty one, else a channel name's part before `:`. */
export const NamespaceName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_.@=-]{1,255}$/, {
    message: () => "must be _default or 1-255 letters, digits or _ . @ = - (no :)"
  })
)
export type NamespaceName = typeof NamespaceName.Type

/** Most publications a channel's history keeps. */
export const MaxHistorySize = 1000
/** Longest a channel's history is kept, in seconds. */
export const MaxHistoryTtlSeconds = 86_400

/** A namespace's history: the last `size` publications, each kept `ttlSeconds` (either 0: none). */
export const HistoryOptions = Schema.Struct({
  size: Schema.Int.pipe(
    Schema.between(0, MaxHistorySize, { message: () => `must be an integer from 0 to ${MaxHistorySize}` })
  ),
  ttlSeconds: Schema.Int.pipe(
    Schema.between(0, MaxHistoryTtlSeconds, {
      message: () => `must be an integer from 0 to ${MaxHistoryTtlSeconds}`
    })
  )
})
export type HistoryOptions = typeof HistoryOptions.Type

/** `PUT /v1/namespaces/{ns}` body: the options (what is left out is false, no history). */
export const PutNamespaceRequest = Schema.Struct({
  public: Schema.optional(Schema.Boolean),
  presence: Schema.optional(Schema.Boolean),
  joinLeave: Schema.optional(Schema.Boolean),
  clientPublish: Schema.optional(Schema.Boolean),
  history: Schema.optional(HistoryOptions)
})
export type PutNamespaceRequest = typeof PutNamespaceRequest.Type

/** A namespace and its options, as the API shows them (`name`: `_default` for the empty one). */
export const Namespace = Schema.Struct({
  name: NamespaceName,
  public: Schema.Boolean,
  presence: Schema.Boolean,
  joinLeave: Schema.Boolean,
  clientPublish: Schema.Boolean,
  history: HistoryOptions
})
export type Namespace = typeof Namespace.Type

/** `GET /v1/namespaces` answer, in name order. */
export const NamespaceList = Schema.Struct({ namespaces: Schema.Array(Namespace) })
export type NamespaceList = typeof NamespaceList.Type

/** A publication's data: any JSON value, required. */
const Data = Json.pipe(
  Schema.filter((u) => u !== undefined, { message: () => "is required: any JSON value" })
)

/** `POST /v1/channels/{name}/publish` body (app secret): the data, and a key that makes a repeat answer the first. */
export const ChannelPublishRequest = Schema.Struct({
  data: Data,
  idempotencyKey: Schema.optional(BoundedString(DefaultLimits.maxIdempotencyKeyLength))
})
export type ChannelPublishRequest = typeof ChannelPublishRequest.Type

/** `POST /v1/me/channels/{name}/publish` body (user token). */
export const UserPublishRequest = Schema.Struct({ data: Data })
export type UserPublishRequest = typeof UserPublishRequest.Type

/** A publish's answer: where the publication stands in its channel. */
export const ChannelPublishResponse = Schema.Struct({
  offset: Schema.Int.pipe(Schema.positive()),
  epoch: Schema.String
})
export type ChannelPublishResponse = typeof ChannelPublishResponse.Type

/** One publication as history and `subscribed` carry it (`user`: who published it, when a user did). */
export const Publication = Schema.Struct({
  offset: Schema.Int.pipe(Schema.positive()),
  data: Json,
  user: Schema.optional(UserId)
})
export type Publication = typeof Publication.Type

/** One member of a channel's presence: a user, their `info` (from a channel token, else null), their subscribed sessions. */
export const PresenceMember = Schema.Struct({
  id: UserId,
  info: Json,
  sessions: Schema.Int.pipe(Schema.positive())
})
export type PresenceMember = typeof PresenceMember.Type

/** `GET /v1/channels/{name}/presence` answer. */
export const ChannelPresence = Schema.Struct({ users: Schema.Array(PresenceMember) })
export type ChannelPresence = typeof ChannelPresence.Type

/** One active channel: its subscribed sessions and distinct users, cluster-wide. */
export const ChannelSummary = Schema.Struct({
  name: ChannelName,
  subscribers: Schema.Int,
  users: Schema.Int
})
export type ChannelSummary = typeof ChannelSummary.Type

/** `GET /v1/channels` answer: active channels in name order. */
export const ChannelList = Schema.Struct({ channels: Schema.Array(ChannelSummary) })
export type ChannelList = typeof ChannelList.Type

const IntText = (min: number, max: number, what: string) =>
  Schema.String.pipe(
    Schema.pattern(/^\d{1,10}$/, { message: () => `must be ${what}` }),
    Schema.filter((s) => Number(s) >= min && Number(s) <= max, { message: () => `must be ${what}` })
  )

/** `GET /v1/channels?prefix&limit` query (strings on the wire). */
export const ChannelsQuery = Schema.Struct({
  prefix: Schema.optional(
    Schema.String.pipe(
      Schema.pattern(/^[A-Za-z0-9_.:@=-]{0,255}$/, {
        message: () => "must be at most 255 letters, digits or _ . : @ = -"
      })
    )
  ),
  limit: Schema.optional(IntText(1, 1000, "an integer from 1 to 1000"))
})
export type ChannelsQuery = typeof ChannelsQuery.Type

/** `GET /v1/channels/{name}/history?since&epoch&limit` query: publications after `since` in `epoch`. */
export const HistoryQuery = Schema.Struct({
  since: Schema.optional(IntText(0, Number.MAX_SAFE_INTEGER, "a non-negative integer")),
  epoch: Schema.optional(BoundedString(64)),
  limit: Schema.optional(IntText(1, MaxHistorySize, `an integer from 1 to ${MaxHistorySize}`))
})
export type HistoryQuery = typeof HistoryQuery.Type

/**
 * `GET /v1/channels/{name}/history` answer: the channel's `epoch` and latest `offset`, and the
 * kept publications (after `since` when it was given in this epoch; none when the epoch differs).
 */
export const ChannelHistory = Schema.Struct({
  epoch: Schema.String,
  offset: Schema.Int.pipe(Schema.nonNegative()),
  publications: Schema.Array(Publication)
})
export type ChannelHistory = typeof ChannelHistory.Type

/** The claims of a channel token: a JWT (HS256, the app secret) letting `sub` subscribe to `channel`. */
export const ChannelTokenClaims = Schema.Struct({
  app: Schema.String,
  sub: UserId,
  channel: ChannelName,
  exp: Schema.Int,
  iat: Schema.optional(Schema.Int),
  info: Schema.optional(Json)
})
export type ChannelTokenClaims = typeof ChannelTokenClaims.Type

// ---------------------------------------------------------------- frames

const Ref = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64))
// A channel in a client frame is any string: a name that breaks the rules is refused by a
// `reply` (`bad_request`), so one bad name never closes the socket the other channels share.
const FrameChannel = Schema.String.pipe(Schema.maxLength(1024))

/** Where a client stands in a channel: the last offset it has, in an epoch. */
export const StreamPosition = Schema.Struct({
  offset: Schema.Int.pipe(Schema.nonNegative()),
  epoch: Schema.String.pipe(Schema.maxLength(64))
})
export type StreamPosition = typeof StreamPosition.Type

/** Subscribe to a channel (with a channel token, and from a position to recover what was missed). */
export const SubscribeFrame = Schema.Struct({
  type: Schema.Literal("subscribe"),
  channel: FrameChannel,
  token: Schema.optional(Schema.String.pipe(Schema.maxLength(8192))),
  since: Schema.optional(StreamPosition),
  ref: Ref
})
export type SubscribeFrame = typeof SubscribeFrame.Type

/** Leave a channel. */
export const UnsubscribeFrame = Schema.Struct({
  type: Schema.Literal("unsubscribe"),
  channel: FrameChannel,
  ref: Ref
})
export type UnsubscribeFrame = typeof UnsubscribeFrame.Type

/** Publish to a channel (the namespace must allow `clientPublish`). */
export const PublishFrame = Schema.Struct({
  type: Schema.Literal("publish"),
  channel: FrameChannel,
  data: Data,
  ref: Ref
})
export type PublishFrame = typeof PublishFrame.Type

/** Ask a channel's presence. */
export const PresenceActionFrame = Schema.Struct({
  type: Schema.Literal("presence"),
  channel: FrameChannel,
  ref: Ref
})
export type PresenceActionFrame = typeof PresenceActionFrame.Type

/** A subscription is in force: where the channel stands, what was missed (`recovered`), who is there. */
export const SubscribedFrame = Schema.Struct({
  type: Schema.Literal("subscribed"),
  channel: ChannelName,
  epoch: Schema.String,
  offset: Schema.Int.pipe(Schema.nonNegative()),
  recovered: Schema.Boolean,
  publications: Schema.Array(Publication),
  presence: Schema.optional(Schema.Array(PresenceMember))
})
export type SubscribedFrame = typeof SubscribedFrame.Type

/** A publication on a subscribed channel. */
export const PublicationFrame = Schema.Struct({
  type: Schema.Literal("publication"),
  channel: ChannelName,
  offset: Schema.Int.pipe(Schema.positive()),
  data: Json,
  user: Schema.optional(UserId)
})
export type PublicationFrame = typeof PublicationFrame.Type

const memberFrame = <T extends "join" | "leave">(type: T) =>
  Schema.Struct({
    type: Schema.Literal(type),
    channel: ChannelName,
    user: UserId,
    info: Schema.optional(Json)
  })

/** A user's first session subscribed to the channel. */
export const JoinFrame = memberFrame("join")
export type JoinFrame = typeof JoinFrame.Type

/** A user's last session left the channel. */
export const LeaveFrame = memberFrame("leave")
export type LeaveFrame = typeof LeaveFrame.Type

/** The session is no longer subscribed (`reason`: `unsubscribe`, `namespace_deleted`, `token_expired`). */
export const UnsubscribedFrame = Schema.Struct({
  type: Schema.Literal("unsubscribed"),
  channel: ChannelName,
  reason: Schema.String
})
export type UnsubscribedFrame = typeof UnsubscribedFrame.Type
