/**
 * Topics' bodies (PROTOCOL.md §11): a topic is a named, app-scoped set of users that a notify
 * call can name instead of (or beside) its users, each subscriber getting their own inbox
 * notification. Keys, the topic as the API shows it, subscribing and unsubscribing users, and
 * a user's own view of their topics.
 */
import { Schema } from "effect"
import { UserRef } from "./Api.js"
import { Timestamp, TopicKey, UserId } from "./Common.js"

export { TopicKey }

/** Most users one subscribe or unsubscribe call names. */
export const MaxSubscribersPerCall = 10_000

/** Longest topic name (the human-readable one; the key is the id). */
export const MaxTopicNameLength = 200

/** `PUT /v1/topics/{key}` body: what to set (what is left out stays as it is; new: null, false). */
export const PutTopicRequest = Schema.Struct({
  name: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(MaxTopicNameLength)))),
  selfSubscribe: Schema.optional(Schema.Boolean)
})
export type PutTopicRequest = typeof PutTopicRequest.Type

/** A topic as the API shows it, with how many users follow it. */
export const Topic = Schema.Struct({
  key: TopicKey,
  name: Schema.NullOr(Schema.String),
  selfSubscribe: Schema.Boolean,
  subscribers: Schema.Int,
  createdAt: Timestamp
})
export type Topic = typeof Topic.Type

/** `POST /v1/topics/{key}/subscribers` body: users to add (unknown ones are registered). */
export const SubscribeUsersRequest = Schema.Struct({
  users: Schema.Array(UserRef).pipe(Schema.minItems(1), Schema.maxItems(MaxSubscribersPerCall))
})
export type SubscribeUsersRequest = typeof SubscribeUsersRequest.Type

/** `DELETE /v1/topics/{key}/subscribers` body: the ids to remove. */
export const UnsubscribeUsersRequest = Schema.Struct({
  users: Schema.Array(UserId).pipe(Schema.minItems(1), Schema.maxItems(MaxSubscribersPerCall))
})
export type UnsubscribeUsersRequest = typeof UnsubscribeUsersRequest.Type

/** One of a user's topics as `GET /v1/me/topics` shows it. */
export const MyTopic = Schema.Struct({
  key: TopicKey,
  name: Schema.NullOr(Schema.String),
  /** The user turned this topic's in-app notifications off (`PUT /v1/me/preferences`). */
  muted: Schema.Boolean
})
export type MyTopic = typeof MyTopic.Type

/** A page of a topic's subscribers: their ids, in id order. */
export const TopicSubscribers = Schema.Struct({
  count: Schema.Int,
  results: Schema.Array(UserId)
})
export type TopicSubscribers = typeof TopicSubscribers.Type

/** `GET /v1/topics` answer: a page of the app's topics in key order, with the total `count`. */
export const TopicList = Schema.Struct({
  count: Schema.Int,
  results: Schema.Array(Topic)
})
export type TopicList = typeof TopicList.Type

/** `POST /v1/topics/{key}/subscribers` answer: how many were not subscribed yet. */
export const SubscribeUsersResponse = Schema.Struct({ added: Schema.Int })
export type SubscribeUsersResponse = typeof SubscribeUsersResponse.Type

/** `DELETE /v1/topics/{key}/subscribers` answer: how many were subscribed. */
export const UnsubscribeUsersResponse = Schema.Struct({ removed: Schema.Int })
export type UnsubscribeUsersResponse = typeof UnsubscribeUsersResponse.Type

/** `GET /v1/users/{id}/topics` answer: the keys of the user's topics, in key order. */
export const UserTopicKeys = Schema.Struct({ topics: Schema.Array(TopicKey) })
export type UserTopicKeys = typeof UserTopicKeys.Type

/** `GET /v1/me/topics` answer: the topics the user follows. */
export const MyTopicList = Schema.Struct({ topics: Schema.Array(MyTopic) })
export type MyTopicList = typeof MyTopicList.Type
