/**
 * An app's topics (PROTOCOL.md §11): named sets of users that `notify({ topics })` reaches, each
 * subscriber getting their own notification. Reached as `pushBack.topics`, grouped apart because
 * they are a small API of their own.
 */
import {
  ListQuery,
  PutTopicRequest,
  SubscribeUsersRequest,
  SubscribeUsersResponse,
  Topic,
  TopicKey,
  TopicList,
  TopicSubscribers,
  UnsubscribeUsersRequest,
  UnsubscribeUsersResponse,
  type UserRef,
  UserId,
  UserTopicKeys
} from "@pushback/protocol"
import { Schema } from "effect"
import { type HttpClient, segment } from "./internal/http.js"
import { encodeValid, validate } from "./internal/validate.js"

const PageQuery = Schema.Struct({ limit: ListQuery.fields.limit, offset: ListQuery.fields.offset })
const TopicsQuery = Schema.Struct({ ...PageQuery.fields, prefix: Schema.optional(Schema.String) })

/** A page of topics: `prefix` narrows it to the keys that start with it. */
export interface ListTopicsOptions {
  readonly prefix?: string
  readonly limit?: number
  readonly offset?: number
}

/** `put`, `get`, `list`, `delete`, `subscribe`, `unsubscribe`, `subscribers` and `ofUser`. */
export class Topics {
  readonly #http: HttpClient

  /** @internal Use `pushBack.topics`. */
  constructor(http: HttpClient) {
    this.#http = http
  }

  /** Creates (or changes) the topic `key` (`PUT /v1/topics/{key}`); what is left out stays. */
  async put(key: string, options: PutTopicRequest = {}): Promise<Topic> {
    const body = validate(PutTopicRequest, options)
    return this.#http.call({
      method: "PUT",
      path: `/v1/topics/${segment(validate(TopicKey, key, "key"))}`,
      body,
      response: Topic,
      repeat: "idempotent"
    })
  }

  /** The topic `key` with its subscriber count; a topic that does not exist is 404. */
  async get(key: string): Promise<Topic> {
    return this.#http.call({
      method: "GET",
      path: `/v1/topics/${segment(validate(TopicKey, key, "key"))}`,
      response: Topic,
      repeat: "idempotent"
    })
  }

  /** A page of the app's topics in key order (`GET /v1/topics`), with the total `count`. */
  async list(options: ListTopicsOptions = {}): Promise<TopicList> {
    return this.#http.call({
      method: "GET",
      path: "/v1/topics",
      query: encodeValid(TopicsQuery, options),
      response: TopicList,
      repeat: "idempotent"
    })
  }

  /** Deletes the topic with its subscriptions (notifications it delivered stay). */
  async delete(key: string): Promise<void> {
    return this.#http.call({
      method: "DELETE",
      path: `/v1/topics/${segment(validate(TopicKey, key, "key"))}`,
      response: undefined,
      repeat: "idempotent",
      goneIsDone: true
    })
  }

  /** Subscribes users (ids or `{id, email?, name?}`, registered when new); answers `{added}`. */
  async subscribe(key: string, users: ReadonlyArray<UserRef>): Promise<SubscribeUsersResponse> {
    return this.#http.call({
      method: "POST",
      path: `/v1/topics/${segment(validate(TopicKey, key, "key"))}/subscribers`,
      body: validate(SubscribeUsersRequest, { users }),
      response: SubscribeUsersResponse,
      repeat: "idempotent"
    })
  }

  /** Unsubscribes users by id; answers `{removed}`. */
  async unsubscribe(key: string, users: ReadonlyArray<string>): Promise<UnsubscribeUsersResponse> {
    return this.#http.call({
      method: "DELETE",
      path: `/v1/topics/${segment(validate(TopicKey, key, "key"))}/subscribers`,
      body: validate(UnsubscribeUsersRequest, { users }),
      response: UnsubscribeUsersResponse,
      repeat: "idempotent"
    })
  }

  /** A page of the topic's subscribers' ids, in id order. */
  async subscribers(
    key: string,
    options: { limit?: number; offset?: number } = {}
  ): Promise<TopicSubscribers> {
    return this.#http.call({
      method: "GET",
      path: `/v1/topics/${segment(validate(TopicKey, key, "key"))}/subscribers`,
      query: encodeValid(PageQuery, options),
      response: TopicSubscribers,
      repeat: "idempotent"
    })
  }

  /** The keys of the topics a user follows (`GET /v1/users/{id}/topics`). */
  async ofUser(userId: string): Promise<ReadonlyArray<string>> {
    const answer = await this.#http.call({
      method: "GET",
      path: `/v1/users/${segment(validate(UserId, userId, "userId"))}/topics`,
      response: UserTopicKeys,
      repeat: "idempotent"
    })
    return answer.topics
  }
}
