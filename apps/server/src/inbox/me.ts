/**
 * End-user endpoints (user token): the user's own inbox, marks, counts and preferences.
 * Marks go through Delivery so every other session of the user sees them as stream entries.
 */
import {
  BatchPatchRequest,
  ListQuery,
  PatchNotificationRequest,
  type Preferences,
  PutPreferencesRequest
} from "@pushback/protocol"
import { Effect } from "effect"
import { badRequest, unknownEventType } from "../http/ApiError.js"
import { Auth } from "../auth/Auth.js"
import { Delivery } from "../notify/Delivery.js"
import { encodeNotification } from "../notify/Encode.js"
import { Store } from "../storage/Store.js"
import { listNotifications } from "./lists.js"
import { decodeBody, decodeQuery, found, noContent, ok, type RequestContext, route } from "../http/Route.js"

/** Response header carrying the stream `seq` a REST answer reflects. */
export const CURSOR_HEADER = "pushback-cursor"

const asUser = (ctx: RequestContext) => Effect.flatMap(Auth, (auth) => auth.user(ctx.credential))

/** A user's preferences: every declared type (on by default) and every stored choice. */
export const readPreferences = (app: string, user: string) =>
  Effect.gen(function* () {
    const store = yield* Store
    const types: Record<string, { inApp: boolean; email: boolean }> = {}
    for (const t of yield* store.listEventTypes(app)) types[t.name] = { inApp: true, email: true }
    for (const p of yield* store.getPreferences(app, user)) types[p.type] = { inApp: p.inApp, email: p.email }
    return { types } satisfies Preferences
  })

/**
 * Changes some of a user's type preferences (the rest kept) and answers them all; a type the
 * app has not declared (when it declares any) is 400 and changes nothing.
 */
export const updatePreferences = (
  app: string,
  user: string,
  types: Readonly<
    Record<string, { readonly inApp?: boolean | undefined; readonly email?: boolean | undefined }>
  >
) =>
  Effect.gen(function* () {
    const store = yield* Store
    const declared = yield* store.listEventTypes(app)
    const current = yield* readPreferences(app, user)
    const changes = []
    for (const [type, change] of Object.entries(types)) {
      if (declared.length > 0 && !declared.some((t) => t.name === type)) {
        return yield* unknownEventType(
          `types.${type}`,
          declared.map((t) => t.name)
        )
      }
      const was = current.types[type] ?? { inApp: true, email: true }
      changes.push({ type, inApp: change.inApp ?? was.inApp, email: change.email ?? was.email })
    }
    yield* store.putPreferences(app, user, changes)
    return yield* readPreferences(app, user)
  })

const getOne = (app: string, user: string, id: string) =>
  Effect.flatMap(Store, (store) => store.getNotification(app, user, id)).pipe(
    Effect.flatMap((n) => found(n, "notification"))
  )

export const meRoutes = [
  route("GET", "/v1/me/notifications", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const q = yield* decodeQuery(ListQuery, ctx.query, Object.keys(ListQuery.fields))
      return {
        status: 200,
        raw: yield* listNotifications(me.app.id, me.user, q, `${ctx.baseUrl}/v1/me/notifications`)
      }
    })
  ),
  route("GET", "/v1/me/notifications/:id", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      return { status: 200, raw: encodeNotification(yield* getOne(me.app.id, me.user, ctx.params["id"]!)) }
    })
  ),
  route("PATCH", "/v1/me/notifications/:id", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const body = yield* decodeBody(PatchNotificationRequest, ctx.body)
      if (body.seen === undefined && body.read === undefined) {
        return yield* badRequest("body: give seen: true or read: true", "body")
      }
      const id = ctx.params["id"]!
      yield* getOne(me.app.id, me.user, id)
      yield* (yield* Delivery).mark(me.app.id, me.user, body.read ? "read" : "seen", { ids: [id] })
      return { status: 200, raw: encodeNotification(yield* getOne(me.app.id, me.user, id)) }
    })
  ),
  route("PATCH", "/v1/me/notifications", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const body = yield* decodeBody(BatchPatchRequest, ctx.body)
      if ((body.ids === undefined) === (body.all === undefined)) {
        return yield* badRequest("body: give either ids or all: true", body.ids === undefined ? "ids" : "all")
      }
      const kind = body.deleted ? "deleted" : body.read ? "read" : body.seen ? "seen" : undefined
      if (kind === undefined) return yield* badRequest("body: give seen, read or deleted: true", "body")
      const target = body.ids === undefined ? ({ all: true } as const) : { ids: body.ids }
      const changed = yield* (yield* Delivery).mark(me.app.id, me.user, kind, target)
      return ok({ updated: changed.length })
    })
  ),
  route("DELETE", "/v1/me/notifications/:id", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const id = ctx.params["id"]!
      const changed = yield* (yield* Delivery).mark(me.app.id, me.user, "deleted", { ids: [id] })
      yield* found(changed[0], "notification")
      return noContent
    })
  ),
  route("GET", "/v1/me/counts", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const { cursor, ...counts } = yield* (yield* Store).counts(me.app.id, me.user)
      // The stream position the counts reflect, so a client can add exactly the entries after it.
      return { status: 200, json: counts, headers: { [CURSOR_HEADER]: String(cursor) } }
    })
  ),
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
      return ok(yield* updatePreferences(me.app.id, me.user, body.types))
    })
  )
]
