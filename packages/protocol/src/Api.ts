/**
 * Request and response bodies of the HTTP API (PROTOCOL.md §3): operator, backend,
 * end-user and status endpoints (the notify call's own bodies are in NotifyApi.ts). The server
 * decodes requests with these; SDKs decode answers.
 */
import { Schema } from "effect"
import { BoundedString, Timestamp, TopicKey, TypeName, UserId } from "./Common.js"
import { DefaultLimits } from "./Limits.js"
import { Notification } from "./Notification.js"

// ---------------------------------------------------------------- operator (§3.1)

/** `POST /v1/apps` body. */
export const CreateAppRequest = Schema.Struct({ name: BoundedString(100) })
export type CreateAppRequest = typeof CreateAppRequest.Type

/** `POST /v1/apps` answer: the only time the secret is shown besides rotation. */
export const CreatedApp = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  secret: Schema.String,
  createdAt: Timestamp
})
export type CreatedApp = typeof CreatedApp.Type

/** An app as listed. */
export const AppSummary = Schema.Struct({ id: Schema.String, name: Schema.String, createdAt: Timestamp })
export type AppSummary = typeof AppSummary.Type

/** `GET /v1/apps` answer. */
export const AppList = Schema.Struct({ apps: Schema.Array(AppSummary) })
export type AppList = typeof AppList.Type

/** `POST /v1/apps/{appId}/secret` answer. */
export const RotatedSecret = Schema.Struct({ secret: Schema.String })
export type RotatedSecret = typeof RotatedSecret.Type

// ---------------------------------------------------------------- backend (§3.2)

/** A user named by id alone or with optional contact details. */
export const UserRef = Schema.Union(
  UserId,
  Schema.Struct({
    id: UserId,
    email: Schema.optional(BoundedString(320)),
    name: Schema.optional(BoundedString(200))
  })
)
export type UserRef = typeof UserRef.Type

/** `POST /v1/users` body (upsert). */
export const RegisterUsersRequest = Schema.Struct({
  users: Schema.Array(UserRef).pipe(Schema.minItems(1), Schema.maxItems(DefaultLimits.usersPerNotify))
})
export type RegisterUsersRequest = typeof RegisterUsersRequest.Type

/** `POST /v1/users` answer. */
export const RegisterUsersResponse = Schema.Struct({ registered: Schema.Int })
export type RegisterUsersResponse = typeof RegisterUsersResponse.Type

/** A user as listed. */
export const User = Schema.Struct({
  id: UserId,
  email: Schema.NullOr(Schema.String),
  name: Schema.NullOr(Schema.String),
  createdAt: Timestamp,
  online: Schema.Boolean
})
export type User = typeof User.Type

/** `GET /v1/users/{userId}` answer. */
export const UserDetail = Schema.Struct({ ...User.fields, sessions: Schema.Int })
export type UserDetail = typeof UserDetail.Type

/** `GET /v1/users` answer. */
export const UserList = Schema.Struct({ count: Schema.Int, results: Schema.Array(User) })
export type UserList = typeof UserList.Type

/** `POST /v1/tokens` body. */
export const TokenRequest = Schema.Struct({
  user: UserId,
  ttlSeconds: Schema.optional(
    Schema.Int.pipe(
      Schema.between(1, DefaultLimits.maxTokenTtlSeconds, {
        message: () => `must be an integer between 1 and ${DefaultLimits.maxTokenTtlSeconds}`
      })
    )
  )
})
export type TokenRequest = typeof TokenRequest.Type

/** `POST /v1/tokens` answer. */
export const TokenResponse = Schema.Struct({ token: Schema.String, expiresAt: Timestamp })
export type TokenResponse = typeof TokenResponse.Type

/** `PUT /v1/event-types/{name}` body. */
export const PutEventTypeRequest = Schema.Struct({
  title: BoundedString(200),
  description: Schema.optional(Schema.String.pipe(Schema.maxLength(2000)))
})
export type PutEventTypeRequest = typeof PutEventTypeRequest.Type

/** A declared event type. */
export const EventType = Schema.Struct({
  name: TypeName,
  title: Schema.String,
  description: Schema.NullOr(Schema.String)
})
export type EventType = typeof EventType.Type

/** `GET /v1/event-types` answer. */
export const EventTypeList = Schema.Struct({ types: Schema.Array(EventType) })
export type EventTypeList = typeof EventTypeList.Type

/** `GET /v1/stats` answer. */
export const Stats = Schema.Struct({
  users: Schema.Int,
  notifications: Schema.Int,
  delivered: Schema.Int,
  seen: Schema.Int,
  read: Schema.Int,
  onlineUsers: Schema.Int,
  connections: Schema.Int
})
export type Stats = typeof Stats.Type

/** The bucket size of a statistics series (PROTOCOL.md §8). */
export const StatsInterval = Schema.Literal("minute", "hour", "day")
export type StatsInterval = typeof StatsInterval.Type

/** Query parameters of `GET /v1/stats/series` (strings on the wire). */
export const SeriesQuery = Schema.Struct({
  from: Schema.optional(Timestamp),
  to: Schema.optional(Timestamp),
  interval: Schema.optional(StatsInterval)
})
export type SeriesQuery = typeof SeriesQuery.Type

/** One bucket of a series: what happened from `t` to the next bucket's start. */
export const StatsPoint = Schema.Struct({
  t: Timestamp,
  notifications: Schema.Int,
  delivered: Schema.Int,
  seen: Schema.Int,
  read: Schema.Int,
  emails: Schema.Int,
  emailsFailed: Schema.Int,
  /** Web Push messages accepted by a push service, and given up on (PROTOCOL.md §14). */
  pushes: Schema.Int,
  pushesFailed: Schema.Int
})
export type StatsPoint = typeof StatsPoint.Type

/** `GET /v1/stats/series` answer: every bucket of the range, empty ones included. */
export const StatsSeries = Schema.Struct({ interval: StatsInterval, points: Schema.Array(StatsPoint) })
export type StatsSeries = typeof StatsSeries.Type

// ---------------------------------------------------------------- end user (§3.3)

/** The `status` filter of a notification list. */
export const ListStatus = Schema.Literal("all", "unseen", "unread", "read")
export type ListStatus = typeof ListStatus.Type

const IntFromString = (min: number, max: number) =>
  Schema.NumberFromString.pipe(
    Schema.int({ message: () => "must be an integer" }),
    Schema.between(min, max, {
      message: () =>
        max === Number.MAX_SAFE_INTEGER ? `must be ${min} or more` : `must be between ${min} and ${max}`
    })
  )

/** Query parameters of `GET …/notifications` (strings on the wire). */
export const ListQuery = Schema.Struct({
  limit: Schema.optional(IntFromString(1, DefaultLimits.maxPageLimit)),
  offset: Schema.optional(IntFromString(0, Number.MAX_SAFE_INTEGER)),
  status: Schema.optional(ListStatus),
  type: Schema.optional(TypeName),
  since: Schema.optional(Timestamp),
  before: Schema.optional(Timestamp)
})
export type ListQuery = typeof ListQuery.Type

/** A page of notifications, newest first; `next`/`previous` are URLs or null. */
export const NotificationList = Schema.Struct({
  count: Schema.Int,
  next: Schema.NullOr(Schema.String),
  previous: Schema.NullOr(Schema.String),
  results: Schema.Array(Notification)
})
export type NotificationList = typeof NotificationList.Type

/** `PATCH /v1/me/notifications/{id}` body. */
export const PatchNotificationRequest = Schema.Struct({
  seen: Schema.optional(Schema.Literal(true)),
  read: Schema.optional(Schema.Literal(true))
})
export type PatchNotificationRequest = typeof PatchNotificationRequest.Type

/** `PATCH /v1/me/notifications` body: which (`ids` or `all`) and what to mark. */
export const BatchPatchRequest = Schema.Struct({
  ids: Schema.optional(Schema.Array(BoundedString(64)).pipe(Schema.maxItems(1000))),
  all: Schema.optional(Schema.Literal(true)),
  seen: Schema.optional(Schema.Literal(true)),
  read: Schema.optional(Schema.Literal(true)),
  deleted: Schema.optional(Schema.Literal(true))
})
export type BatchPatchRequest = typeof BatchPatchRequest.Type

/** `PATCH /v1/me/notifications` answer. */
export const BatchPatchResponse = Schema.Struct({ updated: Schema.Int })
export type BatchPatchResponse = typeof BatchPatchResponse.Type

/** `GET /v1/me/counts` answer. */
export const Counts = Schema.Struct({ unseen: Schema.Int, unread: Schema.Int, total: Schema.Int })
export type Counts = typeof Counts.Type

/** One type's channels in a user's preferences. */
export const Channels = Schema.Struct({ inApp: Schema.Boolean, email: Schema.Boolean, push: Schema.Boolean })
export type Channels = typeof Channels.Type

// A `Schema.Record` with a refined key silently drops keys that fail the refinement; a
// malformed type name must be a 400 naming it instead, so keys are checked by a filter.
const isTypeName = Schema.is(TypeName)
const ByTypeName = <V extends Schema.Schema.AnyNoContext>(value: V) =>
  Schema.Record({ key: Schema.String, value }).pipe(
    Schema.filter((record) => {
      const bad = Object.keys(record).find((key) => !isTypeName(key))
      return bad === undefined || { path: [bad], message: "must be 1-64 letters, digits or _ . : -" }
    })
  )

/** `GET /v1/me/preferences` answer. */
export const Preferences = Schema.Struct({
  types: ByTypeName(Channels),
  /** The topics the user follows: whether each reaches their inbox (false: muted, PROTOCOL.md §11). */
  topics: Schema.optional(Schema.Record({ key: TopicKey, value: Schema.Struct({ inApp: Schema.Boolean }) }))
})
export type Preferences = typeof Preferences.Type

/** `PUT /v1/me/preferences` body: any part of the preferences. */
export const PutPreferencesRequest = Schema.Struct({
  types: Schema.optional(
    ByTypeName(
      Schema.Struct({
        inApp: Schema.optional(Schema.Boolean),
        email: Schema.optional(Schema.Boolean),
        push: Schema.optional(Schema.Boolean)
      })
    )
  ),
  /** Topics to mute (`inApp: false`) or unmute, by key (PROTOCOL.md §11). */
  topics: Schema.optional(Schema.Record({ key: TopicKey, value: Schema.Struct({ inApp: Schema.Boolean }) }))
})
export type PutPreferencesRequest = typeof PutPreferencesRequest.Type

// ---------------------------------------------------------------- status (§3.4)

/** `GET /v1/status/ping` answer. */
export const Ping = Schema.Struct({ ok: Schema.Literal(true) })
export type Ping = typeof Ping.Type

/** `GET /v1/status/info` answer. */
export const Info = Schema.Struct({ name: Schema.Literal("pushback"), version: Schema.String })
export type Info = typeof Info.Type
