/**
 * The operator's view of one app, for the dashboard (PROTOCOL.md §8, admin token): the app with
 * its counts and event types, its users (search, paging, online state), its recent notify calls
 * with their counts, its statistics and series, one call as `GET /v1/notify/{callId}` shows it, its live connections by transport and node —
 * all cluster-wide through Presence — and a test notification sent as the app. Each answers 404
 * for an app that does not exist.
 */
import { Effect } from "effect"
import type { ApiError } from "../http/ApiError.js"
import { Auth } from "../auth/Auth.js"
import { Presence } from "../cluster/presence/Presence.js"
import type { Services } from "../node/Services.js"
import type { AppRecord } from "./TenancyStore.js"
import { Store } from "../storage/Store.js"
import { notifyFor, PageQuery, usersPage } from "./backend.js"
import { callDetail } from "../notify/calls.js"
import { type Answer, decodeQuery, found, ok, type RequestContext, route } from "../http/Route.js"
import { appTotals, seriesAnswer } from "../stats/stats.js"

/** Calls listed per page when `limit` is not given. */
const CALLS_PAGE = 20

/** The app of the path, after checking the admin token. */
const appOfPath = (ctx: RequestContext) =>
  Effect.gen(function* () {
    yield* (yield* Auth).admin(ctx.credential)
    return yield* found(yield* (yield* Store).getApp(ctx.params["appId"]!), "app")
  })

/** A route of `/v1/apps/{appId}…` whose handler gets the app. */
const appRoute = (
  method: string,
  path: string,
  handler: (app: AppRecord, ctx: RequestContext) => Effect.Effect<Answer, ApiError, Services>
) =>
  route(method, `/v1/apps/:appId${path}`, (ctx) => Effect.flatMap(appOfPath(ctx), (app) => handler(app, ctx)))

export const appReadRoutes = [
  appRoute("GET", "", (app) =>
    Effect.gen(function* () {
      const counts = yield* appTotals(app.id)
      const eventTypes = yield* (yield* Store).listEventTypes(app.id)
      return ok({ id: app.id, name: app.name, createdAt: app.createdAt, counts, eventTypes })
    })
  ),
  appRoute("GET", "/users", (app, ctx) => usersPage(app.id, ctx, true)),
  appRoute("GET", "/calls", (app, ctx) =>
    Effect.gen(function* () {
      const q = yield* decodeQuery(PageQuery, ctx.query, ["limit", "offset"])
      const { count, calls } = yield* (yield* Store).listCalls(app.id, q.limit ?? CALLS_PAGE, q.offset ?? 0)
      return ok({ count, results: calls })
    })
  ),
  appRoute("GET", "/calls/:callId", (app, ctx) => callDetail(app.id, ctx.params["callId"]!, ctx.query)),
  appRoute("GET", "/connections", (app) =>
    Effect.gen(function* () {
      const presence = yield* Presence
      const census = yield* presence.census(app.id)
      const connections = yield* presence.connections(app.id)
      return ok({ ...census, results: connections })
    })
  ),
  appRoute("GET", "/stats", (app) => Effect.map(appTotals(app.id), ok)),
  appRoute("GET", "/stats/series", (app, ctx) => seriesAnswer(app.id, ctx)),
  appRoute("POST", "/notify", (app, ctx) => notifyFor(app, ctx))
]
