/**
 * The Django REST Notifications seed's inbox API (PROTOCOL.md §9), on a user token: its list
 * with the `readed` filter, its marks and deletes (through Delivery, so every session sees
 * them), and its type filter (the user's in-app preferences) — all in that seed's shapes.
 */
import { Timestamp } from "@pushback/protocol"
import { Effect, Schema } from "effect"
import { type ApiError, badRequest } from "../http/ApiError.js"
import { Config } from "../config/Config.js"
import { decodeQuery, noContent, ok, PageQuery, type RequestContext, route } from "../http/Route.js"
import { deleteNotification, markNotification, markNotifications } from "../inbox/inbox.js"
import { readPreferences, updatePreferences } from "../tenancy/preferences.js"
import type { ListFilter } from "../inbox/records.js"
import { Store } from "../storage/Store.js"
import { drnShape, drnShapes } from "./drnShape.js"
import { idText, seedUser } from "./seedInput.js"

/** `readed=true|false|<YYYY-MM-DDTHH:MM:SS>` (a time without a zone is UTC) as list filters. */
const readedFilter = (value: string | null): Effect.Effect<Partial<ListFilter>, ApiError> => {
  if (value === null || value === "") return Effect.succeed({})
  if (value === "true") return Effect.succeed({ status: "read" })
  if (value === "false") return Effect.succeed({ status: "unread" })
  const utc = value.endsWith("Z") ? value : `${value}Z`
  if (!Schema.is(Timestamp)(utc)) {
    return Effect.fail(badRequest("readed: must be true, false or a UTC time YYYY-MM-DDTHH:MM:SS", "readed"))
  }
  return Effect.succeed({ readSince: new Date(utc).toISOString() })
}

/** The list's `next`/`previous`: this request's URL at another offset. */
const pageLink = (ctx: RequestContext, offset: number): string => {
  const query = new URLSearchParams(ctx.query)
  query.set("offset", String(offset))
  return `${ctx.baseUrl}/notifications?${query.toString()}`
}

/** The seed's ids: a JSON list of ids (numbers become strings). */
const idList = (body: unknown) =>
  Array.isArray(body) && body.length > 0 && body.every((id) => typeof idText(id) === "string")
    ? Effect.succeed(body.map((id) => String(idText(id))))
    : Effect.fail(badRequest("body: a JSON list of notification ids is required", "body"))

/** The seed's type filter: `{types: [names of the enabled types]}`. */
const TypeFilter = Schema.Struct({ types: Schema.Array(Schema.String) })

const enabledTypes = (app: string, user: string) =>
  Effect.map(readPreferences(app, user), (p) => ({
    types: Object.entries(p.types)
      .filter(([, t]) => t.inApp)
      .map(([name]) => name)
  }))

/** The Django REST Notifications seed's REST routes. */
export const drnRoutes = [
  route("GET", "/notifications", (ctx) =>
    Effect.gen(function* () {
      const me = yield* seedUser(ctx)
      const page = yield* decodeQuery(PageQuery, ctx.query, ["limit", "offset"])
      const filter = yield* readedFilter(ctx.query.get("readed"))
      const limit = page.limit ?? (yield* Config).limits.pageLimit
      const offset = page.offset ?? 0
      const { count, rows } = yield* (yield* Store).listNotifications(me.app.id, me.user, {
        limit,
        offset,
        status: "all",
        ...filter
      })
      return ok({
        count,
        next: offset + rows.length < count ? pageLink(ctx, offset + limit) : null,
        previous: offset > 0 ? pageLink(ctx, Math.max(0, offset - limit)) : null,
        results: yield* drnShapes(me.app.id, rows)
      })
    })
  ),
  route("PATCH", "/notifications", (ctx) =>
    Effect.gen(function* () {
      const me = yield* seedUser(ctx)
      const ids = yield* idList(ctx.body)
      return ok({ updated: yield* markNotifications(me.app.id, me.user, "read", { ids }) })
    })
  ),
  // Before `/notifications/:id`, which would take `filter` for an id.
  route("GET", "/notifications/filter", (ctx) =>
    Effect.gen(function* () {
      const me = yield* seedUser(ctx)
      return ok(yield* enabledTypes(me.app.id, me.user))
    })
  ),
  route("PATCH", "/notifications/filter", (ctx) =>
    Effect.gen(function* () {
      const me = yield* seedUser(ctx)
      if (typeof ctx.body !== "object" || ctx.body === null || Array.isArray(ctx.body)) {
        return yield* badRequest("body: {types: [names of the enabled types]} is required", "body")
      }
      const body = yield* Schema.decodeUnknown(TypeFilter)(ctx.body).pipe(
        Effect.mapError(() => badRequest("types: must be a list of event type names", "types"))
      )
      // Every declared type the list leaves out is turned off; those it names, on.
      const declared = yield* (yield* Store).listEventTypes(me.app.id)
      const names = new Set([...declared.map((t) => t.name), ...body.types])
      const types = Object.fromEntries([...names].map((name) => [name, { inApp: body.types.includes(name) }]))
      yield* updatePreferences(me.app.id, me.user, types)
      return ok(yield* enabledTypes(me.app.id, me.user))
    })
  ),
  route("PATCH", "/notifications/:id", (ctx) =>
    Effect.gen(function* () {
      const me = yield* seedUser(ctx)
      const n = yield* markNotification(me.app.id, me.user, ctx.params["id"]!, "read")
      return ok(drnShape(n, yield* (yield* Store).listEventTypes(me.app.id)))
    })
  ),
  route("DELETE", "/notifications/:id", (ctx) =>
    Effect.gen(function* () {
      const me = yield* seedUser(ctx)
      yield* deleteNotification(me.app.id, me.user, ctx.params["id"]!)
      return noContent
    })
  )
]
