/**
 * The backend client: everything a backend does with its app secret — notify users, keep
 * the user directory in sync, mint browser tokens, read inboxes and counters
 * (PROTOCOL.md §3.2). Calls that are safe to repeat are retried; `notify` is made safe to
 * repeat by an idempotency key that all its attempts share.
 */
import { randomUUID } from "node:crypto"
import { Schema } from "effect"
import {
  ListQuery,
  NotificationList,
  NotifyCall,
  NotifyRequest,
  NotifyResponse,
  RegisterUsersRequest,
  RegisterUsersResponse,
  Stats,
  UserDetail,
  UserId,
  UserList,
  type ListStatus,
  type UserRef
} from "@pushback/protocol"
import { PushBackAdmin } from "./Admin.js"
import { type ChannelTokenOptions, Channels, type PublishOptions } from "./Channels.js"
import { Conversations } from "./Conversations.js"
import { EventTypes } from "./EventTypes.js"
import { Topics } from "./Topics.js"
import { type HttpClient, makeHttpClient, segment } from "./internal/http.js"
import { encodeValid, validate } from "./internal/validate.js"
import type { AdminOptions, PushBackOptions } from "./options.js"
import { appIdFromSecret } from "./secret.js"
import { type Subscription, type SubscribeOptions, type SubscribeTarget, subscribe } from "./Subscription.js"
import { readUserToken, type UserTokenOptions, signUserToken } from "./token.js"

/** Paging of {@link PushBack.listUsers}. */
export interface ListUsersOptions {
  /** Page size (1–100). Default: the server's (20). */
  readonly limit?: number
  /** How many to skip. Default 0. */
  readonly offset?: number
}

/** Paging and filters of {@link PushBack.listNotifications}, as in the REST list. */
export interface ListNotificationsOptions extends ListUsersOptions {
  /** Default `all`. */
  readonly status?: ListStatus
  /** Only this event type. */
  readonly type?: string
  /** Only created at or after this ISO-8601 UTC time. */
  readonly since?: string
  /** Only created before this ISO-8601 UTC time. */
  readonly before?: string
}

const CallId = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128))

const UsersQuery = Schema.Struct({ limit: ListQuery.fields.limit, offset: ListQuery.fields.offset })

/** Idempotency keys travel in a header too, where only visible ASCII is allowed. */
const headerSafe = (value: string) => /^[\x21-\x7e]+$/.test(value)

/**
 * A client for one app.
 *
 * ```ts
 * const pb = new PushBack({ url: "https://push.example.com", secret: process.env.PUSHBACK_SECRET! })
 * await pb.notify({ users: ["alice"], title: "New like", content: "Bob liked your post" })
 * ```
 *
 * Every method rejects with a `PushBackError`; invalid input is refused before anything is
 * sent, with `status: 400, code: "bad_request"`.
 */
export class PushBack {
  /** The app id, read from the secret (the part before its first `.`). */
  readonly appId: string
  /** The app's event types. */
  readonly eventTypes: EventTypes
  /** The app's topics (PROTOCOL.md §11). */
  readonly topics: Topics
  /** Channels (PROTOCOL.md §12): publish, presence, history, namespaces, channel tokens. */
  readonly channels: Channels
  /** Conversations between users (PROTOCOL.md §13): create, members, post, delete. */
  readonly conversations: Conversations
  readonly #secret: string
  readonly #http: HttpClient

  /** Throws `PushBackError(400, bad_request)` for a malformed URL, secret or option. */
  constructor(options: PushBackOptions) {
    this.appId = appIdFromSecret(options.secret)
    this.#secret = options.secret
    this.#http = makeHttpClient(options, { field: "secret", value: options.secret })
    this.eventTypes = new EventTypes(this.#http)
    this.topics = new Topics(this.#http)
    this.channels = new Channels(this.#http, options.secret)
    this.conversations = new Conversations(this.#http)
  }

  /** Publishes `data` to a channel's subscribers; answers `{offset, epoch}` (see `channels.publish`). */
  publish(channel: string, data: unknown, options?: PublishOptions): ReturnType<Channels["publish"]> {
    return this.channels.publish(channel, data, options)
  }

  /** The users present in a channel, on any node (see `channels.presence`). */
  presence(channel: string): ReturnType<Channels["presence"]> {
    return this.channels.presence(channel)
  }

  /** Mints a channel token for `user` and `channel`, signed locally (see `channels.createToken`). */
  createChannelToken(user: string, channel: string, options: ChannelTokenOptions = {}): string {
    return this.channels.createToken(user, channel, options, this.#http.now())
  }

  /** A client for the operator API, authenticated with the admin token. */
  static admin(options: AdminOptions): PushBackAdmin {
    return new PushBackAdmin(options)
  }

  /**
   * Creates one notification per recipient (`POST /v1/notify`); omit `users` to reach every
   * registered user. Answers once every notification is durably stored.
   *
   * The call carries `idempotencyKey` (a random UUID when not given) in its body and its
   * `Idempotency-Key` header, the same on every retry, so a retry after a lost answer gets the
   * first answer back and never creates duplicates. Pass your own key to extend that guarantee
   * across your own retries (e.g. a job queue's): the server remembers it for 24 h.
   */
  async notify(request: NotifyRequest): Promise<NotifyResponse> {
    const valid = validate(NotifyRequest, request)
    const idempotencyKey = valid.idempotencyKey ?? randomUUID()
    return this.#http.call({
      method: "POST",
      path: "/v1/notify",
      body: { ...valid, idempotencyKey },
      headers: headerSafe(idempotencyKey) ? { "idempotency-key": idempotencyKey } : {},
      response: NotifyResponse,
      repeat: "idempotent"
    })
  }

  /**
   * What became of a notify call (`GET /v1/notify/{callId}`): its counts, its email counts
   * `{queued, sent, failed, skipped}` and a page of its recipients, each with `deliveredAt`,
   * `seenAt`, `readAt` and their `email` state (`none`, `queued`, `sent`, `failed`).
   */
  async notifyCall(callId: string, options: ListUsersOptions = {}): Promise<NotifyCall> {
    const query = encodeValid(UsersQuery, options)
    return this.#http.call({
      method: "GET",
      path: `/v1/notify/${segment(validate(CallId, callId, "callId"))}`,
      query,
      response: NotifyCall,
      repeat: "idempotent"
    })
  }

  /**
   * Creates or updates users (`POST /v1/users`): ids alone, or `{ id, email?, name? }`.
   * An upsert, so it is retried safely.
   */
  async registerUsers(users: ReadonlyArray<UserRef>): Promise<RegisterUsersResponse> {
    const body = validate(RegisterUsersRequest, { users })
    return this.#http.call({
      method: "POST",
      path: "/v1/users",
      body,
      response: RegisterUsersResponse,
      repeat: "idempotent"
    })
  }

  /**
   * Erases a user with their notifications and stream (`DELETE /v1/users/{id}`). A user that
   * does not exist is `404 not_found` — unless an earlier attempt of this call, whose answer was
   * lost, already removed them.
   */
  async removeUser(userId: string): Promise<void> {
    const id = validate(UserId, userId, "userId")
    return this.#http.call({
      method: "DELETE",
      path: `/v1/users/${segment(id)}`,
      response: undefined,
      repeat: "idempotent",
      goneIsDone: true
    })
  }

  /** A page of the app's users (`GET /v1/users`), with the total `count`. */
  async listUsers(options: ListUsersOptions = {}): Promise<UserList> {
    const query = encodeValid(UsersQuery, options)
    return this.#http.call({
      method: "GET",
      path: "/v1/users",
      query,
      response: UserList,
      repeat: "idempotent"
    })
  }

  /** One user, with `online` and the number of live `sessions` (`GET /v1/users/{id}`). */
  async getUser(userId: string): Promise<UserDetail> {
    const id = validate(UserId, userId, "userId")
    return this.#http.call({
      method: "GET",
      path: `/v1/users/${segment(id)}`,
      response: UserDetail,
      repeat: "idempotent"
    })
  }

  /**
   * Mints a user token for the browser, signed locally — no request, so it is synchronous.
   * Hand it to the signed-in user only. `ttlSeconds`: 1 to 86 400, default 3600; `channels`: the
   * channels it lets the user subscribe to (names or `prefix*`, PROTOCOL.md §12).
   * Throws `PushBackError(400, bad_request)` for an invalid user id, ttl or channel.
   */
  createUserToken(userId: string, options: UserTokenOptions = {}): string {
    return signUserToken(this.#secret, userId, options, this.#http.now())
  }

  /**
   * A page of one user's notifications, newest first (`GET /v1/users/{id}/notifications`):
   * the REST list object `{ count, next, previous, results }`.
   */
  async listNotifications(userId: string, options: ListNotificationsOptions = {}): Promise<NotificationList> {
    const id = validate(UserId, userId, "userId")
    const query = encodeValid(ListQuery, options)
    return this.#http.call({
      method: "GET",
      path: `/v1/users/${segment(id)}/notifications`,
      query,
      response: NotificationList,
      repeat: "idempotent"
    })
  }

  /**
   * Receives one user's stream: `{ user }` (tokens minted here with the app secret, and again when
   * the server refuses one) or `{ token }` (a user token of this app; the next ones are minted for
   * its user). Over WebSocket, or SSE when WebSocket cannot connect, with reconnection, backoff
   * and resume; each entry reaches the callbacks once, in order, and `onCursor` says what to
   * store to go on from there later (`cursor`). See {@link SubscribeOptions}.
   *
   * ```ts
   * const sub = pb.subscribe({ user: "alice" }, {
   *   cursor: await loadCursor(),
   *   onNotification: async (n) => sendToSlack(n.title),
   *   onCursor: saveCursor
   * })
   * process.on("SIGTERM", () => sub.close())
   * ```
   */
  subscribe(target: SubscribeTarget, options?: SubscribeOptions): Subscription {
    return subscribe(
      {
        url: this.#http.url,
        mint: (user, ttlSeconds) =>
          this.createUserToken(user, ttlSeconds === undefined ? {} : { ttlSeconds }),
        userOf: (token) => {
          const claims = readUserToken(token)
          return claims?.app === this.appId ? claims.sub : undefined
        }
      },
      target,
      options
    )
  }

  /** The app's counters (`GET /v1/stats`). */
  async stats(): Promise<Stats> {
    return this.#http.call({ method: "GET", path: "/v1/stats", response: Stats, repeat: "idempotent" })
  }
}
