/**
 * The webhook routes (PROTOCOL.md §15): every endpoint operation twice, under `/v1/webhooks` for a
 * backend (app secret) and under `/v1/apps/{appId}/webhooks` for the operator and the dashboard
 * (admin token); both call the same use cases (endpoints.ts).
 */
import { Effect } from "effect"
import { appRoute, asApp } from "../auth/guards.js"
import type { ApiError } from "../http/ApiError.js"
import {
  type Answer,
  decodeQuery,
  noContent,
  ok,
  PageQuery,
  type RequestContext,
  route
} from "../http/Route.js"
import type { AppRecord } from "../tenancy/TenancyStore.js"
import {
  createEndpoint,
  deleteEndpoint,
  endpointAttempts,
  listEndpoints,
  readEndpoint,
  rotateEndpointSecret,
  testEndpoint,
  updateEndpoint
} from "./endpoints.js"

type Handler<R> = (app: AppRecord, ctx: RequestContext) => Effect.Effect<Answer, ApiError, R>

/** The endpoint id of a request's path. */
const idOf = (ctx: RequestContext) => ctx.params["webhookId"]!

/** One operation at `path` for both credentials. */
const both = <R>(method: string, path: string, handler: Handler<R>) => [
  route(method, `/v1/webhooks${path}`, (ctx) => Effect.flatMap(asApp(ctx), (app) => handler(app, ctx))),
  appRoute(method, `/webhooks${path}`, handler)
]

/** Every webhook route. */
export const webhookRoutes = [
  ...both("POST", "", (app, ctx) => Effect.map(createEndpoint(app.id, ctx.body), (e) => ok(e, 201))),
  ...both("GET", "", (app) => Effect.map(listEndpoints(app.id), (l) => ok(l))),
  ...both("GET", "/:webhookId", (app, ctx) => Effect.map(readEndpoint(app.id, idOf(ctx)), (e) => ok(e))),
  ...both("PATCH", "/:webhookId", (app, ctx) =>
    Effect.map(updateEndpoint(app.id, idOf(ctx), ctx.body), (e) => ok(e))
  ),
  ...both("DELETE", "/:webhookId", (app, ctx) => Effect.as(deleteEndpoint(app.id, idOf(ctx)), noContent)),
  ...both("POST", "/:webhookId/secret", (app, ctx) =>
    Effect.map(rotateEndpointSecret(app.id, idOf(ctx)), (s) => ok(s))
  ),
  ...both("POST", "/:webhookId/test", (app, ctx) =>
    Effect.map(testEndpoint(app.id, idOf(ctx)), (t) => ok(t, 202))
  ),
  ...both("GET", "/:webhookId/attempts", (app, ctx) =>
    Effect.gen(function* () {
      const page = yield* decodeQuery(PageQuery, ctx.query, ["limit", "offset"])
      return ok(yield* endpointAttempts(app.id, idOf(ctx), page.limit ?? 50, page.offset ?? 0))
    })
  )
]
