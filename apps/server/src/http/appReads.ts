/**
 * The operator's reads of one app for the dashboard (PROTOCOL.md §8, admin token): the app
 * with its counts, its statistics and series. Each answers 404 for an app that does not exist.
 */
import { Effect } from "effect"
import { Auth } from "../Auth.js"
import { Store } from "../Store.js"
import { found, type RequestContext, route } from "./Route.js"
import { seriesAnswer, statsAnswer } from "./stats.js"

/** The app of the path, after checking the admin token. */
const appOfPath = (ctx: RequestContext) =>
  Effect.gen(function* () {
    yield* (yield* Auth).admin(ctx.credential)
    return yield* found(yield* (yield* Store).getApp(ctx.params["appId"]!), "app")
  })

export const appReadRoutes = [
  route("GET", "/v1/apps/:appId/stats", (ctx) =>
    Effect.flatMap(appOfPath(ctx), (app) => statsAnswer(app.id))
  ),
  route("GET", "/v1/apps/:appId/stats/series", (ctx) =>
    Effect.flatMap(appOfPath(ctx), (app) => seriesAnswer(app.id, ctx))
  )
]
