/**
 * Topics (PROTOCOL.md §11), what the API does with them: a backend creates, lists, reads and
 * deletes an app's topics and subscribes users to them; a user lists their own topics and, where
 * a topic allows it, follows or leaves it. Bodies are validated here; storage is TopicStore's.
 */
import {
  DefaultLimits,
  PutTopicRequest,
  SubscribeUsersRequest,
  TopicKey,
  UnsubscribeUsersRequest
} from "@pushback/protocol"
import { Effect, Schema } from "effect"
import { ApiError, badRequest, notFound } from "../http/ApiError.js"
import { decodeBody, PageQuery } from "../http/Route.js"
import type { UserInput } from "../tenancy/TenancyStore.js"
import { type TopicRecord, TopicStore } from "./TopicStore.js"

/** The query of a page of topics: `limit`, `offset`, `prefix`. */
export const TopicsQuery = Schema.Struct({
  ...PageQuery.fields,
  prefix: Schema.optional(Schema.String.pipe(Schema.maxLength(128)))
})

/** A topic key from a path, checked: 400 naming `key` when it is not one. */
export const topicKeyOf = (key: string): Effect.Effect<string, ApiError> =>
  Schema.is(TopicKey)(key)
    ? Effect.succeed(key)
    : Effect.fail(badRequest("key: must be 1-128 letters, digits or _ . : -", "key"))

/** 404 naming the topic. */
const noTopic = (key: string) => notFound(`topic ${key} not found`)

/** Creates or changes the topic `key`: 201 when created, 200 when changed. */
export const putTopic = (app: string, key: string, body: unknown) =>
  Effect.gen(function* () {
    const k = yield* topicKeyOf(key)
    const change = yield* decodeBody(PutTopicRequest, body ?? {})
    const { topic, created } = yield* (yield* TopicStore).put(app, k, change, new Date().toISOString())
    return { topic, created }
  })

/** The topic `key`; 404 when there is none. */
export const getTopic = (app: string, key: string) =>
  Effect.gen(function* () {
    const k = yield* topicKeyOf(key)
    const topic = yield* (yield* TopicStore).get(app, k)
    if (topic === undefined) return yield* noTopic(k)
    return topic
  })

/** A page of the app's topics, in key order. */
export const listTopics = (app: string, query: typeof TopicsQuery.Type) =>
  Effect.gen(function* () {
    const { count, topics } = yield* (yield* TopicStore).list(
      app,
      query.prefix,
      query.limit ?? DefaultLimits.pageLimit,
      query.offset ?? 0
    )
    return { count, results: topics }
  })

/** Deletes the topic (its subscriptions go, notifications it delivered stay); 404 when none. */
export const deleteTopic = (app: string, key: string) =>
  Effect.gen(function* () {
    const k = yield* topicKeyOf(key)
    if (!(yield* (yield* TopicStore).remove(app, k))) return yield* noTopic(k)
  })

/** Subscribes the body's users (unknown ones registered); answers `{added}`. */
export const subscribeUsers = (app: string, key: string, body: unknown) =>
  Effect.gen(function* () {
    const k = yield* topicKeyOf(key)
    const request = yield* decodeBody(SubscribeUsersRequest, body)
    const users: Array<UserInput> = request.users.map((u) => (typeof u === "string" ? { id: u } : u))
    const added = yield* (yield* TopicStore).subscribe(app, k, users, new Date().toISOString())
    if (added === undefined) return yield* noTopic(k)
    return { added }
  })

/** Unsubscribes the body's users; answers `{removed}`. */
export const unsubscribeUsers = (app: string, key: string, body: unknown) =>
  Effect.gen(function* () {
    const k = yield* topicKeyOf(key)
    const request = yield* decodeBody(UnsubscribeUsersRequest, body)
    const removed = yield* (yield* TopicStore).unsubscribe(app, k, request.users)
    if (removed === undefined) return yield* noTopic(k)
    return { removed }
  })

/** A page of the topic's subscribers' ids. */
export const listSubscribers = (app: string, key: string, page: typeof PageQuery.Type) =>
  Effect.gen(function* () {
    const k = yield* topicKeyOf(key)
    const found = yield* (yield* TopicStore).subscribers(
      app,
      k,
      page.limit ?? DefaultLimits.pageLimit,
      page.offset ?? 0
    )
    if (found === undefined) return yield* noTopic(k)
    return { count: found.count, results: found.users }
  })

/** The topic a user may follow or leave by themselves; 404 when none, 403 unless it allows it. */
const selfService = (app: string, key: string) =>
  Effect.gen(function* () {
    const topic: TopicRecord = yield* getTopic(app, key)
    if (!topic.selfSubscribe) {
      return yield* new ApiError({
        code: "forbidden",
        message: `topic ${topic.key} does not let users subscribe themselves (selfSubscribe is false)`
      })
    }
    return topic
  })

/** A user follows a self-subscribe topic. */
export const followTopic = (app: string, user: string, key: string) =>
  Effect.gen(function* () {
    const topic = yield* selfService(app, key)
    yield* (yield* TopicStore).subscribe(app, topic.key, [{ id: user }], new Date().toISOString())
  })

/** A user leaves a self-subscribe topic. */
export const leaveTopic = (app: string, user: string, key: string) =>
  Effect.gen(function* () {
    const topic = yield* selfService(app, key)
    yield* (yield* TopicStore).unsubscribe(app, topic.key, [user])
  })
