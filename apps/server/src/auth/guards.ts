/**
 * Who may call a route (PROTOCOL.md §2): the operator with the admin token, a backend with its
 * app's secret, an end user with a user token. Each guard checks the request's credential
 * through Auth before the handler does anything, and answers who is calling.
 */
import { Effect } from "effect"
import { type ApiError, unauthorized } from "../http/ApiError.js"
import { type Answer, found, type RequestContext, route } from "../http/Route.js"
import { Store } from "../storage/Store.js"
import type { AppRecord } from "../tenancy/TenancyStore.js"
import { Auth, type AuthShape, schemeRefusal } from "./Auth.js"
import type { Plain } from "../http/plain.js"

/**
 * 401 when an `Authorization` header came without a bearer credential (a secret sent bare, or
 * another scheme): the message says the scheme is what is wrong (PROTOCOL.md §16).
 */
const schemeChecked = <A, E, R>(
  ctx: RequestContext,
  check: (credential: string | undefined) => Effect.Effect<A, E, R>
) => {
  const refusal = refusalOf(ctx)
  return refusal === undefined ? check(ctx.credential) : Effect.fail(unauthorized(refusal))
}

/** Why the request's `Authorization` header gave no bearer credential, if it did not. */
const refusalOf = (ctx: RequestContext): string | undefined =>
  ctx.credential === undefined ? schemeRefusal(ctx.headers.authorization) : undefined

/** The app whose secret the request carries, as plain code (http/plain.ts): throws the 401. */
export const appChecked = (ctx: RequestContext, appOf: AuthShape["appOf"]): Plain<AppRecord> => {
  const refusal = refusalOf(ctx)
  if (refusal !== undefined) throw unauthorized(refusal)
  return appOf(ctx.credential)
}

/** Checks the admin token (operator endpoints). */
export const asAdmin = (ctx: RequestContext) => Effect.flatMap(Auth, (auth) => schemeChecked(ctx, auth.admin))

/** The app whose secret the request carries (backend endpoints). */
export const asApp = (ctx: RequestContext) => Effect.flatMap(Auth, (auth) => schemeChecked(ctx, auth.app))

/** The user whose token the request carries (end-user endpoints). */
export const asUser = (ctx: RequestContext) => Effect.flatMap(Auth, (auth) => schemeChecked(ctx, auth.user))

/** The app of an operator path `/v1/apps/{appId}…`, after checking the admin token; 404 when none. */
const appOfPath = (ctx: RequestContext) =>
  Effect.gen(function* () {
    yield* asAdmin(ctx)
    return yield* found(yield* (yield* Store).getApp(ctx.params["appId"]!), "app")
  })

/**
 * A route of the operator's view of one app, `/v1/apps/{appId}` + `path` (PROTOCOL.md §8):
 * its handler gets the app, and is never called for an app that does not exist.
 */
export const appRoute = <R>(
  method: string,
  path: string,
  handler: (app: AppRecord, ctx: RequestContext) => Effect.Effect<Answer, ApiError, R>
) =>
  route(method, `/v1/apps/:appId${path}`, (ctx) => Effect.flatMap(appOfPath(ctx), (app) => handler(app, ctx)))
