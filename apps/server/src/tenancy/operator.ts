/**
 * Operator endpoints (admin token): create, list and delete apps, rotate their secrets.
 */
import { randomBytes } from "node:crypto"
import { CreateAppRequest } from "@pushback/protocol"
import { Effect } from "effect"
import { notFound } from "../http/ApiError.js"
import { Auth } from "../auth/Auth.js"
import { randomId } from "../notify/Delivery.js"
import { Control } from "../cluster/control/Control.js"
import { Store } from "../storage/Store.js"
import { decodeBody, noContent, ok, type RequestContext, route } from "../http/Route.js"

/** A new app secret: the app id, a dot and 43 random base64url characters. */
export const newSecret = (appId: string): string => `${appId}.${randomBytes(32).toString("base64url")}`

const asAdmin = (ctx: RequestContext) => Effect.flatMap(Auth, (auth) => auth.admin(ctx.credential))

/** Creates an app; shared by the API and the CLI. */
export const createApp = (name: string) =>
  Effect.gen(function* () {
    const store = yield* Store
    const id = `app_${randomId(9)}`
    const app = { id, name, secret: newSecret(id), createdAt: new Date().toISOString() }
    yield* store.createApp(app)
    return app
  })

export const operatorRoutes = [
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
      const apps = yield* (yield* Store).listApps
      return ok({ apps: apps.map(({ id, name, createdAt }) => ({ id, name, createdAt })) })
    })
  ),
  route("DELETE", "/v1/apps/:appId", (ctx) =>
    Effect.gen(function* () {
      yield* asAdmin(ctx)
      const appId = ctx.params["appId"]!
      if (!(yield* (yield* Store).deleteApp(appId))) return yield* notFound("app not found")
      yield* (yield* Control).close({ kind: "app", app: appId, reason: "app deleted" })
      return noContent
    })
  ),
  route("POST", "/v1/apps/:appId/secret", (ctx) =>
    Effect.gen(function* () {
      yield* asAdmin(ctx)
      const appId = ctx.params["appId"]!
      const secret = newSecret(appId)
      if (!(yield* (yield* Store).setSecret(appId, secret))) return yield* notFound("app not found")
      yield* (yield* Control).close({ kind: "app", app: appId, reason: "app secret rotated" })
      return ok({ secret })
    })
  )
]
