/**
 * The statistics routes: a backend's totals and series (app secret), and the operator's, with
 * an app's live connections (admin token, PROTOCOL.md §8).
 */
import { SeriesQuery } from "@pushback/protocol"
import { Effect } from "effect"
import { appRoute, asApp } from "../auth/guards.js"
import { decodeQuery, ok, type RequestContext, route } from "../http/Route.js"
import { appTotals, connections, series } from "./stats.js"

/** The series `app` asks for with the request's `from`, `to` and `interval`. */
const seriesOf = (app: { readonly id: string }, ctx: RequestContext) =>
  Effect.gen(function* () {
    const q = yield* decodeQuery(SeriesQuery, ctx.query, ["from", "to", "interval"])
    return ok(yield* series(app.id, q))
  })

/** Every statistics route. */
export const statsRoutes = [
  route("GET", "/v1/stats", (ctx) => Effect.flatMap(asApp(ctx), (app) => Effect.map(appTotals(app.id), ok))),
  route("GET", "/v1/stats/series", (ctx) => Effect.flatMap(asApp(ctx), (app) => seriesOf(app, ctx))),
  appRoute("GET", "/stats", (app) => Effect.map(appTotals(app.id), ok)),
  appRoute("GET", "/stats/series", seriesOf),
  appRoute("GET", "/connections", (app) => Effect.map(connections(app.id), ok))
]
