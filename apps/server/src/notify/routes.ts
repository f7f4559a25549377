/**
 * The notify routes: a backend's `POST /v1/notify` and `GET /v1/notify/{callId}` (app secret),
 * and the operator's test notification and view of an app's calls (admin token, PROTOCOL.md §8).
 */
import { Effect } from "effect"
import { Auth } from "../auth/Auth.js"
import { appChecked, appRoute, asApp } from "../auth/guards.js"
import { decodeQuery, ok, PageQuery, plainRoute, type RequestContext, route } from "../http/Route.js"
import { callDetail, listCalls, makeNotifyCall, notify } from "./calls.js"

/** The page of a list the query asks for. */
const pageOf = (ctx: RequestContext) => decodeQuery(PageQuery, ctx.query, ["limit", "offset"])

/** A notify call of `app` with the request's body and Idempotency-Key, answered 202. */
const notifyAs = (app: { readonly id: string }, ctx: RequestContext) =>
  Effect.map(notify(app, ctx.body, ctx.headers["idempotency-key"]), (response) => ok(response, 202))

/** Every notify route. */
export const notifyRoutes = [
  // Plain (http/plain.ts): the hottest path of all, with no fiber per call.
  plainRoute(
    "POST",
    "/v1/notify",
    Effect.map(Effect.all([Auth, makeNotifyCall]), ([auth, call]) => async (ctx: RequestContext) => {
      const app = await appChecked(ctx, auth.appOf)
      return ok(await call(app, ctx.body, ctx.headers["idempotency-key"]), 202)
    })
  ),
  route("GET", "/v1/notify/:callId", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const page = yield* pageOf(ctx)
      return ok(yield* callDetail(app.id, ctx.params["callId"]!, page))
    })
  ),
  appRoute("POST", "/notify", notifyAs),
  appRoute("GET", "/calls", (app, ctx) =>
    Effect.flatMap(pageOf(ctx), (page) => Effect.map(listCalls(app.id, page), ok))
  ),
  appRoute("GET", "/calls/:callId", (app, ctx) =>
    Effect.flatMap(pageOf(ctx), (page) => Effect.map(callDetail(app.id, ctx.params["callId"]!, page), ok))
  )
]
