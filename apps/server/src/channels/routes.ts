/**
 * The channel routes (PROTOCOL.md §12): a backend's namespaces (`/v1/namespaces…`), publishing,
 * active channels, presence and history (`/v1/channels…`, app secret); a user's publish
 * (`/v1/me/channels/{name}/publish`, user token); and the operator's read paths for the
 * dashboard (`/v1/apps/{appId}/channels`, `…/channels/{name}/presence`, `…/namespaces`,
 * admin token). Only the namespaces' writes write SQL; the others read nothing but the
 * credential's app, as every request does.
 */
import {
  ChannelPublishRequest,
  ChannelsQuery,
  HistoryQuery,
  MaxHistorySize,
  PutNamespaceRequest,
  UserPublishRequest
} from "@pushback/protocol"
import { Effect } from "effect"
import { appRoute, asApp, asUser } from "../auth/guards.js"
import { ApiError, badRequest } from "../http/ApiError.js"
import { decodeBody, decodeQuery, noContent, ok, type RequestContext, route } from "../http/Route.js"
import { namespaceFor } from "./access.js"
import { Channels } from "./Channels.js"
import { namespaceFromPath, namespaceToPath } from "./names.js"
import { Namespaces, type NamespaceOptions } from "./Namespaces.js"
import { publish } from "./subscriptions.js"

/** A namespace as the API shows it. */
const shown = (name: string, options: NamespaceOptions) => ({ name: namespaceToPath(name), ...options })

/** The stored name of the path's namespace; 404 for one that cannot exist. */
const nsParam = (ctx: RequestContext) => {
  const name = namespaceFromPath(ctx.params["ns"]!)
  return name === undefined
    ? Effect.fail(new ApiError({ code: "not_found", message: "namespace not found" }))
    : Effect.succeed(name)
}

/** The path's channel, valid and in a namespace that exists. */
const channelParam = (app: string, ctx: RequestContext) =>
  Effect.gen(function* () {
    const channel = ctx.params["name"]!
    const ns = namespaceFor(yield* Namespaces, app, channel)
    if (ns instanceof ApiError) return yield* ns
    return { channel, ns }
  })

/** The active channels of an app (`?prefix&limit`). */
const activeChannels = (app: string, ctx: RequestContext) =>
  Effect.gen(function* () {
    const query = yield* decodeQuery(ChannelsQuery, ctx.query, ["prefix", "limit"])
    const list = yield* (yield* Channels).active(app, query.prefix ?? "", Number(query.limit ?? 100))
    return ok({ channels: list })
  })

/** The presence of an app's channel. */
const presenceOf = (app: string, ctx: RequestContext) =>
  Effect.gen(function* () {
    const { channel } = yield* channelParam(app, ctx)
    return ok({ users: yield* (yield* Channels).presence(app, channel) })
  })

/** The namespaces of an app, in name order. */
const namespacesOf = (app: string) =>
  Effect.map(Namespaces, (namespaces) => ({
    namespaces: [...namespaces.list(app)]
      .map(([name, options]) => shown(name, options))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }))

/** The `Idempotency-Key` header or the body's key (the header wins); 400 when it is not 1-255 characters. */
const keyOf = (ctx: RequestContext, fromBody: string | undefined) => {
  const header = ctx.headers["idempotency-key"]
  if (header === undefined) return Effect.succeed(fromBody)
  const key = Array.isArray(header) ? header[0] : header
  return key === undefined || key.length === 0 || key.length > 255
    ? Effect.fail(badRequest("Idempotency-Key: must be 1-255 characters", "Idempotency-Key"))
    : Effect.succeed(key)
}

/** Every channel route. */
export const channelRoutes = [
  appRoute("GET", "/channels", (app, ctx) => activeChannels(app.id, ctx)),
  appRoute("GET", "/channels/:name/presence", (app, ctx) => presenceOf(app.id, ctx)),
  appRoute("GET", "/namespaces", (app) => Effect.map(namespacesOf(app.id), (list) => ok(list))),
  route("PUT", "/v1/namespaces/:ns", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const name = yield* nsParam(ctx)
      const body = yield* decodeBody(PutNamespaceRequest, ctx.body ?? {})
      const options: NamespaceOptions = {
        public: body.public ?? false,
        presence: body.presence ?? false,
        joinLeave: body.joinLeave ?? false,
        clientPublish: body.clientPublish ?? false,
        history: body.history ?? { size: 0, ttlSeconds: 0 }
      }
      yield* (yield* Namespaces).put(app.id, name, options)
      return ok(shown(name, options))
    })
  ),
  route("GET", "/v1/namespaces", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok(yield* namespacesOf(app.id))
    })
  ),
  route("GET", "/v1/namespaces/:ns", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const name = yield* nsParam(ctx)
      const options = (yield* Namespaces).list(app.id).get(name)
      if (options === undefined)
        return yield* new ApiError({ code: "not_found", message: "namespace not found" })
      return ok(shown(name, options))
    })
  ),
  route("DELETE", "/v1/namespaces/:ns", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const name = yield* nsParam(ctx)
      if (!(yield* (yield* Namespaces).remove(app.id, name)))
        return yield* new ApiError({ code: "not_found", message: "namespace not found" })
      return noContent
    })
  ),
  route("POST", "/v1/channels/:name/publish", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const body = yield* decodeBody(ChannelPublishRequest, ctx.body)
      const key = yield* keyOf(ctx, body.idempotencyKey)
      return ok(yield* publish(app.id, ctx.params["name"]!, body.data, undefined, key))
    })
  ),
  route("GET", "/v1/channels", (ctx) => Effect.flatMap(asApp(ctx), (app) => activeChannels(app.id, ctx))),
  route("GET", "/v1/channels/:name/presence", (ctx) =>
    Effect.flatMap(asApp(ctx), (app) => presenceOf(app.id, ctx))
  ),
  route("GET", "/v1/channels/:name/history", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const query = yield* decodeQuery(HistoryQuery, ctx.query, ["since", "epoch", "limit"])
      const { channel, ns } = yield* channelParam(app.id, ctx)
      const limit = Number(query.limit ?? MaxHistorySize)
      const read = yield* (yield* Channels).history(app.id, channel, ns.history, undefined, MaxHistorySize)
      const since = query.since === undefined ? undefined : Number(query.since)
      const sameEpoch = query.epoch === undefined || query.epoch === read.epoch
      const publications =
        since === undefined
          ? read.publications.slice(-limit)
          : sameEpoch
            ? read.publications.filter((p) => p.offset > since).slice(0, limit)
            : []
      return ok({
        epoch: read.epoch,
        offset: read.offset,
        publications: publications.map((p) => ({
          offset: p.offset,
          data: JSON.parse(p.data) as unknown,
          ...(p.user === null ? {} : { user: p.user })
        }))
      })
    })
  ),
  route("POST", "/v1/me/channels/:name/publish", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const body = yield* decodeBody(UserPublishRequest, ctx.body)
      const caller = { app: me.app.id, appSecret: me.app.secret, user: me.user, channels: me.channels ?? [] }
      return ok(yield* publish(me.app.id, ctx.params["name"]!, body.data, { caller }))
    })
  )
]
