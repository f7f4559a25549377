/**
 * Channels from the backend (PROTOCOL.md §12): publish to whoever is subscribed now, read who is
 * present, list the active channels and a channel's history, set each namespace's options, and
 * mint channel tokens — the credential that lets one user subscribe to one channel (with the
 * `info` shown in presence) when the namespace is not public and the user token does not name it.
 * Reached as `pushBack.channels`; `publish`, `presence` and `createChannelToken` are on
 * `PushBack` too. Nothing here touches SQL on the server: channels live in its bus.
 */
import { randomUUID } from "node:crypto"
import {
  ChannelHistory,
  ChannelList,
  ChannelName,
  ChannelPresence,
  ChannelPublishRequest,
  ChannelPublishResponse,
  ChannelsQuery,
  HistoryQuery,
  Json,
  Namespace,
  NamespaceList,
  NamespaceName,
  PutNamespaceRequest,
  UserId
} from "@pushback/protocol"
import { Schema } from "effect"
import { type HttpClient, segment } from "./internal/http.js"
import { validate } from "./internal/validate.js"
import { appIdFromSecret } from "./secret.js"
import { signClaims } from "./token.js"

const TokenOptions = Schema.Struct({
  info: Schema.optional(Json),
  ttlSeconds: Schema.optional(Schema.Int.pipe(Schema.between(1, 86_400)))
})
/** Numbers in, the query's strings out. */
const asText = (value: number | undefined) => (value === undefined ? undefined : String(value))

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

const path = (name: string) => `/v1/channels/${segment(validate(ChannelName, name, "channel"))}`
const nsPath = (ns: string) => `/v1/namespaces/${segment(validate(NamespaceName, ns, "namespace"))}`

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
  ): Promise<ChannelPublishResponse> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID()
    return this.#http.call({
      method: "POST",
      path: `${path(channel)}/publish`,
      body: validate(ChannelPublishRequest, { data, idempotencyKey }),
      response: ChannelPublishResponse,
      repeat: "idempotent"
    })
  }

  /** The users subscribed to `channel` on any node, each with their `info` and number of `sessions`. */
  async presence(channel: string): Promise<ChannelPresence["users"]> {
    const answer = await this.#http.call({
      method: "GET",
      path: `${path(channel)}/presence`,
      response: ChannelPresence,
      repeat: "idempotent"
    })
    return answer.users
  }

  /** The app's active channels (those with a subscriber), cluster-wide, in name order, optionally by `prefix`. */
  async list(options: { prefix?: string; limit?: number } = {}): Promise<ChannelList["channels"]> {
    const answer = await this.#http.call({
      method: "GET",
      path: "/v1/channels",
      query: validate(ChannelsQuery, { prefix: options.prefix, limit: asText(options.limit) }),
      response: ChannelList,
      repeat: "idempotent"
    })
    return answer.channels
  }

  /** The channel's kept publications after `since` (within `epoch`), up to `limit`, with where it stands. */
  async history(
    channel: string,
    options: { since?: number; epoch?: string; limit?: number } = {}
  ): Promise<ChannelHistory> {
    const { since, epoch, limit } = options
    return this.#http.call({
      method: "GET",
      path: `${path(channel)}/history`,
      query: validate(HistoryQuery, { since: asText(since), epoch, limit: asText(limit) }),
      response: ChannelHistory,
      repeat: "idempotent"
    })
  }

  /** Sets the options of namespace `ns` (`_default` for channels without a `:`); answers them. */
  async putNamespace(ns: string, options: PutNamespaceRequest = {}): Promise<Namespace> {
    return this.#http.call({
      method: "PUT",
      path: nsPath(ns),
      body: validate(PutNamespaceRequest, options),
      response: Namespace,
      repeat: "idempotent"
    })
  }

  /** The app's namespaces with their options, in name order. */
  async namespaces(): Promise<NamespaceList["namespaces"]> {
    const answer = await this.#http.call({
      method: "GET",
      path: "/v1/namespaces",
      response: NamespaceList,
      repeat: "idempotent"
    })
    return answer.namespaces
  }

  /**
   * Deletes namespace `ns` (its channels take the default options again). One that does not exist
   * is `404 not_found` — unless an earlier attempt of this call, whose answer was lost, deleted it.
   */
  async deleteNamespace(ns: string): Promise<void> {
    return this.#http.call({
      method: "DELETE",
      path: nsPath(ns),
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
