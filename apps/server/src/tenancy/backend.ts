/**
 * Backend endpoints (app secret): users, notify, user tokens, event types, a user's
 * notifications and stats. Every query is scoped to the app the secret names.
 */
import {
  DefaultLimits,
  ListQuery,
  NotifyRequest,
  PutEventTypeRequest,
  RegisterUsersRequest,
  TokenRequest,
  TypeName
} from "@pushback/protocol"
import { Effect, Schema } from "effect"
import { ApiError, badRequest, notFound } from "../http/ApiError.js"
import { Auth } from "../auth/Auth.js"
import { Config } from "../config/Config.js"
import { Delivery } from "../notify/Delivery.js"
import { signUserToken } from "../auth/Jwt.js"
import { Metrics } from "../stats/Metrics.js"
import { Control } from "../cluster/control/Control.js"
import { Limits } from "../cluster/limits/Limits.js"
import { Presence } from "../cluster/presence/Presence.js"
import { Store } from "../storage/Store.js"
import type { UserRecord } from "./TenancyStore.js"
import { listNotifications } from "../inbox/lists.js"
import { appTotals, seriesAnswer } from "../stats/stats.js"
import {
  type Answer,
  decodeBody,
  decodeQuery,
  found,
  noContent,
  ok,
  type RequestContext,
  route
} from "../http/Route.js"

const asApp = (ctx: RequestContext) => Effect.flatMap(Auth, (auth) => auth.app(ctx.credential))

/** `limit` and `offset` of a page (strings on the wire). */
export const PageQuery = Schema.Struct({ limit: ListQuery.fields.limit, offset: ListQuery.fields.offset })

const UsersQuery = Schema.Struct({
  ...PageQuery.fields,
  search: Schema.optional(Schema.String.pipe(Schema.maxLength(DefaultLimits.maxUserIdLength)))
})

/** Users as the API shows them, with whether each is online on any node. */
const showUsers = (app: string, users: ReadonlyArray<UserRecord>) =>
  Effect.gen(function* () {
    const online = yield* (yield* Presence).onlineOf(
      app,
      users.map((u) => u.id)
    )
    return users.map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name,
      createdAt: u.createdAt,
      online: online.has(u.id)
    }))
  })

/** Mints a user token for `user` of `app`; shared by the API and the CLI. */
export const mintUserToken = (app: { id: string; secret: string }, user: string, ttlSeconds: number) => {
  const iat = Math.floor(Date.now() / 1000)
  const exp = iat + ttlSeconds
  return {
    token: signUserToken({ app: app.id, sub: user, iat, exp }, app.secret),
    expiresAt: new Date(exp * 1000).toISOString()
  }
}

const idempotencyHeader = (ctx: RequestContext): Effect.Effect<string | undefined, ApiError> => {
  const value = ctx.headers["idempotency-key"]
  if (value === undefined) return Effect.succeed(undefined)
  const key = Array.isArray(value) ? value[0] : value
  if (key === undefined || key.length === 0 || key.length > DefaultLimits.maxIdempotencyKeyLength) {
    return Effect.fail(badRequest("Idempotency-Key: must be 1-255 characters", "Idempotency-Key"))
  }
  return Effect.succeed(key)
}

/**
 * A page of the app's users with their online state (`GET /v1/users`; the operator's list
 * also takes `search`).
 */
export const usersPage = (app: string, ctx: RequestContext, searchable: boolean) =>
  Effect.gen(function* () {
    const q = yield* decodeQuery(
      UsersQuery,
      ctx.query,
      searchable ? ["limit", "offset", "search"] : ["limit", "offset"]
    )
    const { count, users } = yield* (yield* Store).listUsers(
      app,
      q.limit ?? DefaultLimits.pageLimit,
      q.offset ?? 0,
      q.search
    )
    return ok({ count, results: yield* showUsers(app, users) })
  })

/**
 * `POST /v1/notify` for `app` (the backend's, the operator's test notification, and every
 * seed-compatible notify of PROTOCOL.md §9, which passes its body mapped onto v1's).
 */
export const notifyFor = (
  app: { readonly id: string },
  ctx: RequestContext
): Effect.Effect<Answer, ApiError, Delivery | Limits | Metrics> =>
  Effect.gen(function* () {
    const wait = yield* (yield* Limits).takeNotify(app.id)
    if (wait > 0) {
      return yield* new ApiError({ code: "rate_limited", message: "too many notify calls", retryAfter: wait })
    }
    const body = yield* decodeBody(NotifyRequest, ctx.body)
    const key = yield* idempotencyHeader(ctx)
    const started = performance.now()
    const response = yield* (yield* Delivery).notify(app.id, body, key)
    const metrics = yield* Metrics
    metrics.histograms.notifySeconds.observe((performance.now() - started) / 1000)
    metrics.histograms.fanout.observe(response.recipients)
    metrics.counters.notifyCalls++
    metrics.counters.notificationsStored += response.recipients
    return ok(response, 202)
  })

/** Registers (upserts) the users of a `POST /v1/users` body, not yet validated; answers `{registered}`. */
export const registerUsers = (app: { readonly id: string }, body: unknown) =>
  Effect.gen(function* () {
    const request = yield* decodeBody(RegisterUsersRequest, body)
    const users = new Map(request.users.map((u) => (typeof u === "string" ? [u, { id: u }] : [u.id, u])))
    const registered = yield* (yield* Store).upsertUsers(
      app.id,
      [...users.values()],
      new Date().toISOString()
    )
    return ok({ registered })
  })

export const backendRoutes = [
  route("POST", "/v1/users", (ctx) => Effect.flatMap(asApp(ctx), (app) => registerUsers(app, ctx.body))),
  route("GET", "/v1/users", (ctx) => Effect.flatMap(asApp(ctx), (app) => usersPage(app.id, ctx, false))),
  route("GET", "/v1/users/:userId", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const user = yield* found(yield* (yield* Store).getUser(app.id, ctx.params["userId"]!), "user")
      const sessions = yield* (yield* Presence).sessionsOf(app.id, user.id)
      const [shown] = yield* showUsers(app.id, [user])
      return ok({ ...shown, sessions })
    })
  ),
  route("DELETE", "/v1/users/:userId", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const userId = ctx.params["userId"]!
      if (!(yield* (yield* Store).deleteUser(app.id, userId))) return yield* notFound("user not found")
      yield* (yield* Control).close({ kind: "user", app: app.id, user: userId, reason: "user deleted" })
      return noContent
    })
  ),
  route("POST", "/v1/notify", (ctx) => Effect.flatMap(asApp(ctx), (app) => notifyFor(app, ctx))),
  route("POST", "/v1/tokens", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const body = yield* decodeBody(TokenRequest, ctx.body)
      const config = yield* Config
      const ttl = body.ttlSeconds ?? config.limits.tokenTtlSeconds
      if (ttl > config.limits.maxTokenTtlSeconds) {
        return yield* badRequest(`ttlSeconds: at most ${config.limits.maxTokenTtlSeconds}`, "ttlSeconds")
      }
      // A token is for a user of the app: register them (as notify does) so they are listed.
      yield* (yield* Store).upsertUsers(app.id, [{ id: body.user }], new Date().toISOString())
      return ok(mintUserToken(app, body.user, ttl))
    })
  ),
  route("PUT", "/v1/event-types/:name", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const name = ctx.params["name"]!
      if (!Schema.is(TypeName)(name))
        return yield* badRequest("name: must be 1-64 letters, digits or _ . : -", "name")
      const body = yield* decodeBody(PutEventTypeRequest, ctx.body)
      const type = { name, title: body.title, description: body.description ?? null }
      yield* (yield* Store).putEventType(app.id, type)
      return ok(type)
    })
  ),
  route("GET", "/v1/event-types", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok({ types: yield* (yield* Store).listEventTypes(app.id) })
    })
  ),
  route("DELETE", "/v1/event-types/:name", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      if (!(yield* (yield* Store).deleteEventType(app.id, ctx.params["name"]!))) {
        return yield* notFound("event type not found")
      }
      return noContent
    })
  ),
  route("GET", "/v1/users/:userId/notifications", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const user = yield* found(yield* (yield* Store).getUser(app.id, ctx.params["userId"]!), "user")
      const q = yield* decodeQuery(ListQuery, ctx.query, Object.keys(ListQuery.fields))
      const link = `${ctx.baseUrl}/v1/users/${encodeURIComponent(user.id)}/notifications`
      return { status: 200, raw: yield* listNotifications(app.id, user.id, q, link) }
    })
  ),
  route("GET", "/v1/stats", (ctx) => Effect.flatMap(asApp(ctx), (app) => Effect.map(appTotals(app.id), ok))),
  route("GET", "/v1/stats/series", (ctx) => Effect.flatMap(asApp(ctx), (app) => seriesAnswer(app.id, ctx)))
]
