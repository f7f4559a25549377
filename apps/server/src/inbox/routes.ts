/**
 * The inbox routes: an end user's own notifications, marks and counts (`/v1/me/…`, user
 * token), and a backend's read of one user's notifications (app secret).
 */
import { BatchPatchRequest, ListQuery, PatchNotificationRequest } from "@pushback/protocol"
import { Effect } from "effect"
import { asApp, asUser } from "../auth/guards.js"
import { badRequest } from "../http/ApiError.js"
import { decodeBody, decodeQuery, found, noContent, ok, type RequestContext, route } from "../http/Route.js"
import { encodeNotification } from "../notify/Encode.js"
import { Store } from "../storage/Store.js"
import {
  deleteNotification,
  getNotification,
  inboxCounts,
  markNotification,
  markNotifications
} from "./inbox.js"
import { listNotifications } from "./lists.js"

/** Response header carrying the stream `seq` a REST answer reflects. */
export const CURSOR_HEADER = "pushback-cursor"

/** The list query of a request. */
const listQuery = (ctx: RequestContext) => decodeQuery(ListQuery, ctx.query, Object.keys(ListQuery.fields))

/** Every inbox route. */
export const inboxRoutes = [
  route("GET", "/v1/me/notifications", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const q = yield* listQuery(ctx)
      return {
        status: 200,
        raw: yield* listNotifications(me.app.id, me.user, q, `${ctx.baseUrl}/v1/me/notifications`)
      }
    })
  ),
  route("GET", "/v1/me/notifications/:id", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      return {
        status: 200,
        raw: encodeNotification(yield* getNotification(me.app.id, me.user, ctx.params["id"]!))
      }
    })
  ),
  route("PATCH", "/v1/me/notifications/:id", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const body = yield* decodeBody(PatchNotificationRequest, ctx.body)
      if (body.seen === undefined && body.read === undefined) {
        return yield* badRequest("body: give seen: true or read: true", "body")
      }
      const marked = yield* markNotification(
        me.app.id,
        me.user,
        ctx.params["id"]!,
        body.read ? "read" : "seen"
      )
      return { status: 200, raw: encodeNotification(marked) }
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
      return ok({ updated: yield* markNotifications(me.app.id, me.user, kind, target) })
    })
  ),
  route("DELETE", "/v1/me/notifications/:id", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      yield* deleteNotification(me.app.id, me.user, ctx.params["id"]!)
      return noContent
    })
  ),
  route("GET", "/v1/me/counts", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const { cursor, ...counts } = yield* inboxCounts(me.app.id, me.user)
      // The stream position the counts reflect, so a client can add exactly the entries after it.
      return { status: 200, json: counts, headers: { [CURSOR_HEADER]: String(cursor) } }
    })
  ),
  route("GET", "/v1/users/:userId/notifications", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const user = yield* found(yield* (yield* Store).getUser(app.id, ctx.params["userId"]!), "user")
      const q = yield* listQuery(ctx)
      const link = `${ctx.baseUrl}/v1/users/${encodeURIComponent(user.id)}/notifications`
      return { status: 200, raw: yield* listNotifications(app.id, user.id, q, link) }
    })
  )
]
