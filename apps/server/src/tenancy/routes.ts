/**
 * The tenancy routes: the operator's apps (admin token: create, list, delete, rotate a secret,
 * an app's overview and users), a backend's users and event types (app secret), and an end
 * user's preferences (user token). Each checks its credential, then calls a use case.
 */
import { CreateAppRequest, PutPreferencesRequest } from "@pushback/protocol"
import { Effect } from "effect"
import { appRoute, asAdmin, asApp, asUser } from "../auth/guards.js"
import { notFound } from "../http/ApiError.js"
import { decodeBody, decodeQuery, noContent, ok, route } from "../http/Route.js"
import { appOverview, createApp, deleteApp, listApps, rotateSecret } from "./apps.js"
import { defineEventType, deleteEventType, listEventTypes } from "./eventTypes.js"
import { readPreferences, updatePreferences } from "./preferences.js"
import { deleteUser, listUsers, registerUsers, userDetail, UsersQuery } from "./users.js"

/** The operator's apps (admin token). */
export const appRoutes = [
  route("POST", "/v1/apps", (ctx) =>
    Effect.gen(function* () {
      yield* asAdmin(ctx)
      const body = yield* decodeBody(CreateAppRequest, ctx.body)
      return ok(yield* createApp(body.name), 201)
    })
  ),
  route("GET", "/v1/apps", (ctx) =>
    Effect.gen(function* () {
      yield* asAdmin(ctx)
      return ok({ apps: yield* listApps })
    })
  ),
  route("DELETE", "/v1/apps/:appId", (ctx) =>
    Effect.gen(function* () {
      yield* asAdmin(ctx)
      if (!(yield* deleteApp(ctx.params["appId"]!))) return yield* notFound("app not found")
      return noContent
    })
  ),
  route("POST", "/v1/apps/:appId/secret", (ctx) =>
    Effect.gen(function* () {
      yield* asAdmin(ctx)
      const secret = yield* rotateSecret(ctx.params["appId"]!)
      if (secret === undefined) return yield* notFound("app not found")
      return ok({ secret })
    })
  ),
  appRoute("GET", "", (app) => Effect.map(appOverview(app), ok)),
  appRoute("GET", "/users", (app, ctx) =>
    Effect.gen(function* () {
      const page = yield* decodeQuery(UsersQuery, ctx.query, ["limit", "offset", "search"])
      return ok(yield* listUsers(app.id, page))
    })
  )
]

/** A backend's users (app secret). */
export const userRoutes = [
  route("POST", "/v1/users", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok(yield* registerUsers(app, ctx.body))
    })
  ),
  route("GET", "/v1/users", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const page = yield* decodeQuery(UsersQuery, ctx.query, ["limit", "offset"])
      return ok(yield* listUsers(app.id, page))
    })
  ),
  route("GET", "/v1/users/:userId", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok(yield* userDetail(app.id, ctx.params["userId"]!))
    })
  ),
  route("DELETE", "/v1/users/:userId", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      if (!(yield* deleteUser(app.id, ctx.params["userId"]!))) return yield* notFound("user not found")
      return noContent
    })
  )
]

/** A backend's event types (app secret). */
export const eventTypeRoutes = [
  route("PUT", "/v1/event-types/:name", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok(yield* defineEventType(app.id, ctx.params["name"]!, ctx.body))
    })
  ),
  route("GET", "/v1/event-types", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok({ types: yield* listEventTypes(app.id) })
    })
  ),
  route("DELETE", "/v1/event-types/:name", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      if (!(yield* deleteEventType(app.id, ctx.params["name"]!)))
        return yield* notFound("event type not found")
      return noContent
    })
  )
]

/** An end user's preferences (user token). */
export const preferenceRoutes = [
  route("GET", "/v1/me/preferences", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      return ok(yield* readPreferences(me.app.id, me.user))
    })
  ),
  route("PUT", "/v1/me/preferences", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const body = yield* decodeBody(PutPreferencesRequest, ctx.body)
      return ok(yield* updatePreferences(me.app.id, me.user, body.types ?? {}, body.topics ?? {}))
    })
  )
]

/** Every tenancy route. */
export const tenancyRoutes = [...appRoutes, ...userRoutes, ...eventTypeRoutes, ...preferenceRoutes]
