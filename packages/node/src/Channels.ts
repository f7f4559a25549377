/**
 * Channels from the backend (PROTOCOL.md §12): publish to whoever is subscribed now, read who is
 * present, list the active channels and a channel's history, set each namespace's options, and
 * mint channel tokens — the credential that lets one user subscribe to one channel (with the
 * `info` shown in presence) when the namespace is not public and the user token does not name it.
 * Reached as `pushBack.channels`; `publish`, `presence` and `createChannelToken` are on
 * `PushBack` too. Nothing here touches SQL on the server: channels live in its bus.
 */
import { randomUUID } from "node:crypto"
import { Schema } from "effect"
import { type HttpClient, segment } from "./internal/http.js"
import { validate } from "./internal/validate.js"
import { signClaims } from "./token.js"
import { appIdFromSecret } from "./secret.js"

/** A channel name: `[A-Za-z0-9_.:@=-]{1,255}`; the part before the first `:` is its namespace. */
export const ChannelName = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_.:@=-]{1,255}$/))
const Namespace = Schema.String.pipe(Schema.pattern(/^(_default|[A-Za-z0-9_.@=-]{1,255})$/))
const Json = Schema.Unknown

/** Where a publication stands in its channel's history. */
export const PublishResult = Schema.Struct({ offset: Schema.Number, epoch: Schema.String })
/** A user present in a channel. */
export const PresenceUser = Schema.Struct({
  id: Schema.String,
  info: Schema.optional(Json),
  sessions: Schema.Number
})
/** `GET /v1/channels/{name}/presence`. */
export const PresenceAnswer = Schema.Struct({ users: Schema.Array(PresenceUser) })
/** `GET /v1/channels`: the active channels, cluster-wide. */
export const ChannelList = Schema.Struct({
  channels: Schema.Array(
    Schema.Struct({ name: Schema.String, subscribers: Schema.Number, users: Schema.Number })
  )
})
/** One stored publication. */
export const HistoryPublication = Schema.Struct({
  offset: Schema.Number,
  data: Json,
  user: Schema.optional(Schema.String)
})
/** `GET /v1/channels/{name}/history`. */
export const History = Schema.Struct({
  epoch: Schema.String,
  offset: Schema.Number,
  publications: Schema.Array(HistoryPublication)
})
/** A namespace's options (`PUT /v1/namespaces/{ns}`); what is left out is false (history: none). */
export const NamespaceOptions = Schema.Struct({
  public: Schema.optional(Schema.Boolean),
  presence: Schema.optional(Schema.Boolean),
  joinLeave: Schema.optional(Schema.Boolean),
  clientPublish: Schema.optional(Schema.Boolean),
  history: Schema.optional(
    Schema.Struct({
      size: Schema.Number.pipe(Schema.int(), Schema.between(0, 1000)),
      ttlSeconds: Schema.Number.pipe(Schema.int(), Schema.between(0, 86_400))
    })
  )
})
const AnyAnswer = Schema.Unknown
const TokenOptions = Schema.Struct({
  info: Schema.optional(Json),
  ttlSeconds: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.between(1, 86_400)))
})
const UserId = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255))

/** Options of {@link Channels.publish}. */
export interface PublishOptions {
  /** Makes retries safe across your own retries too (a random UUID otherwise, shared by this call's attempts). */
  readonly idempotencyKey?: string
}

/** Options of {@link Channels.createToken}. */
export interface ChannelTokenOptions {
  /** Shown beside the user in presence, `join` and `leave` (any JSON). */
  readonly info?: unknown
  /** Lifetime in seconds, 1 to 86 400. Default 3600. */
  readonly ttlSeconds?: number
}

type Typed<S extends Schema.Schema.Any> = Schema.Schema.Type<S>
const path = (name: string) => `/v1/channels/${segment(validate(ChannelName, name, "channel"))}`

/** `publish`, `presence`, `list`, `history`, namespaces, and channel tokens. */
export class Channels {
  readonly #http: HttpClient
  readonly #secret: string

  /** @internal Use `pushBack.channels`. */
  constructor(http: HttpClient, secret: string) {
    this.#http = http
    this.#secret = secret
  }

  /**
   * Publishes `data` (any JSON, at most 16 KiB) to every session subscribed to `channel`, on every
   * node (`POST /v1/channels/{name}/publish`); answers its `{offset, epoch}`. Retried safely: every
   * attempt carries the same `idempotencyKey`.
   */
  async publish(
    channel: string,
    data: unknown,
    options: PublishOptions = {}
  ): Promise<Typed<typeof PublishResult>> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID()
    return this.#http.call({
      method: "POST",
      path: `${path(channel)}/publish`,
      body: { data, idempotencyKey },
      response: PublishResult,
      repeat: "idempotent"
    })
  }

  /** The users subscribed to `channel` on any node, each with their `info` and number of `sessions`. */
  async presence(channel: string): Promise<Typed<typeof PresenceAnswer>["users"]> {
    const answer = await this.#http.call({
      method: "GET",
      path: `${path(channel)}/presence`,
      response: PresenceAnswer,
      repeat: "idempotent"
    })
    return answer.users
  }

  /** The app's active channels (those with a subscriber), cluster-wide, optionally by name `prefix`. */
  async list(
    options: { prefix?: string; limit?: number } = {}
  ): Promise<Typed<typeof ChannelList>["channels"]> {
    const query = {
      prefix: options.prefix,
      limit: options.limit === undefined ? undefined : String(options.limit)
    }
    const answer = await this.#http.call({
      method: "GET",
      path: "/v1/channels",
      query,
      response: ChannelList,
      repeat: "idempotent"
    })
    return answer.channels
  }

  /** The channel's kept publications after `since` (within `epoch`), up to `limit`. */
  async history(
    channel: string,
    options: { since?: number; epoch?: string; limit?: number } = {}
  ): Promise<Typed<typeof History>> {
    const query = {
      since: options.since === undefined ? undefined : String(options.since),
      epoch: options.epoch,
      limit: options.limit === undefined ? undefined : String(options.limit)
    }
    return this.#http.call({
      method: "GET",
      path: `${path(channel)}/history`,
      query,
      response: History,
      repeat: "idempotent"
    })
  }

  /** Sets the options of namespace `ns` (`_default` for channels without a `:`); answers them. */
  async putNamespace(ns: string, options: Typed<typeof NamespaceOptions>): Promise<unknown> {
    return this.#http.call({
      method: "PUT",
      path: `/v1/namespaces/${segment(validate(Namespace, ns, "namespace"))}`,
      body: validate(NamespaceOptions, options),
      response: AnyAnswer,
      repeat: "idempotent"
    })
  }

  /** The app's namespaces with their options. */
  async namespaces(): Promise<unknown> {
    return this.#http.call({
      method: "GET",
      path: "/v1/namespaces",
      response: AnyAnswer,
      repeat: "idempotent"
    })
  }

  /** Deletes namespace `ns` (its channels take the default options again). */
  async deleteNamespace(ns: string): Promise<void> {
    return this.#http.call({
      method: "DELETE",
      path: `/v1/namespaces/${segment(validate(Namespace, ns, "namespace"))}`,
      response: undefined,
      repeat: "idempotent",
      goneIsDone: true
    })
  }

  /**
   * Mints a channel token, signed locally (no request): a JWT, HS256 with the app secret, with
   * `app`, `sub` (the user), `channel`, `iat`, `exp` and `info`. Hand it to that user only; their
   * browser passes it as `client.channel(name, { token })`.
   */
  createToken(user: string, channel: string, options: ChannelTokenOptions = {}, nowMs = Date.now()): string {
    const sub = validate(UserId, user, "user")
    const name = validate(ChannelName, channel, "channel")
    const { info, ttlSeconds = 3600 } = validate(TokenOptions, options)
    const iat = Math.floor(nowMs / 1000)
    const claims = { app: appIdFromSecret(this.#secret), sub, channel: name, iat, exp: iat + ttlSeconds }
    return signClaims(this.#secret, info === undefined ? claims : { ...claims, info })
  }
}
