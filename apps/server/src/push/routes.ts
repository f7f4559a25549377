/**
 * Web Push's routes (PROTOCOL.md §14): the public VAPID key (no credential), a user's own
 * subscriptions (user token), a user's subscriptions for the backend (app secret) and the
 * operator (admin token), the service worker's read mark (`markToken`), and the service worker
 * itself at `/pushback-sw.js`.
 */
import { PushReadRequest, PushSubscriptionRequest } from "@pushback/protocol"
import { Effect } from "effect"
import { appRoute, asApp, asUser } from "../auth/guards.js"
import { decodeBody, noContent, ok, route } from "../http/Route.js"
import { serviceWorkerSource } from "./serviceWorker.js"
import {
  listSubscriptions,
  markReadByToken,
  subscribe,
  unsubscribe,
  userSubscriptions
} from "./subscriptions.js"
import { PushKeys } from "./vapid.js"

/** The push routes. */
export const pushRoutes = [
  route("GET", "/v1/push/key", () => Effect.map(PushKeys, (keys) => ok({ publicKey: keys.publicKey }))),
  route("POST", "/v1/push/read", (ctx) =>
    Effect.gen(function* () {
      const body = yield* decodeBody(PushReadRequest, ctx.body)
      yield* markReadByToken(body.markToken)
      return noContent
    })
  ),
  route("POST", "/v1/me/push-subscriptions", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const body = yield* decodeBody(PushSubscriptionRequest, ctx.body)
      return ok(yield* subscribe(me.app.id, me.user, body), 201)
    })
  ),
  route("GET", "/v1/me/push-subscriptions", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      return ok(yield* listSubscriptions(me.app.id, me.user))
    })
  ),
  route("DELETE", "/v1/me/push-subscriptions/:id", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      yield* unsubscribe(me.app.id, me.user, ctx.params["id"]!)
      return noContent
    })
  ),
  route("GET", "/v1/users/:userId/push-subscriptions", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok(yield* userSubscriptions(app.id, ctx.params["userId"]!))
    })
  ),
  appRoute("GET", "/users/:userId/push-subscriptions", (app, ctx) =>
    Effect.map(userSubscriptions(app.id, ctx.params["userId"]!), ok)
  ),
  route("GET", "/pushback-sw.js", (ctx) =>
    Effect.succeed({
      status: 200,
      raw: serviceWorkerSource(ctx.baseUrl),
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "no-cache",
        "service-worker-allowed": "/"
      }
    })
  )
]
