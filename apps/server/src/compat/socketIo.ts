/**
 * The notification-socket.io seed's backend calls (PROTOCOL.md §9): register a user (answered
 * with a user token for the page, where the seed answered a connection), push a message to one
 * user, and its status endpoints. Each is a v1 call after its fields are mapped.
 */
import { UserId } from "@pushback/protocol"
import { Effect, Schema } from "effect"
import { badRequest } from "../http/ApiError.js"
import { issueUserToken } from "../auth/tokens.js"
import { ok, type RequestContext, route } from "../http/Route.js"
import { statusRoutes } from "../http/status.js"
import { Config } from "../config/Config.js"
import { notify } from "../notify/calls.js"
import { defined, fieldsOf, seedApp } from "./seedInput.js"

/** The `{userId}` of the path, checked as v1 checks a user id. */
const pathUser = (ctx: RequestContext) => {
  const id = ctx.params["userId"]!
  return Schema.is(UserId)(id)
    ? Effect.succeed(id)
    : Effect.fail(badRequest("userId: must be 1-128 characters of valid text", "userId"))
}

/**
 * The seed's `message`: a JSON object, the same as JSON text (a form field), or its parts as
 * form fields `message[title]`, `message[body]`, `message[params]`.
 */
const messageOf = (fields: Record<string, unknown>) => {
  let message = fields["message"]
  if (typeof message === "string") {
    try {
      message = JSON.parse(message)
    } catch {
      return Effect.fail(badRequest("message: malformed JSON", "message"))
    }
  }
  if (message === undefined) {
    const part = (name: string) => fields[`message[${name}]`]
    if (part("title") !== undefined || part("body") !== undefined)
      message = { title: part("title"), body: part("body"), params: part("params") }
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return Effect.fail(badRequest("message: an object {title, body, params} is required", "message"))
  }
  return Effect.succeed(message as Record<string, unknown>)
}

/** The notification-socket.io seed's routes. */
export const socketIoRoutes = [
  route(
    "PUT",
    "/api/:userId/register",
    (ctx) =>
      Effect.gen(function* () {
        const app = yield* seedApp(ctx)
        const user = yield* pathUser(ctx)
        return ok(yield* issueUserToken(app, user, (yield* Config).limits.tokenTtlSeconds))
      }),
    { forms: true }
  ),
  route(
    "POST",
    "/api/:userId/push",
    (ctx) =>
      Effect.gen(function* () {
        const app = yield* seedApp(ctx)
        const user = yield* pathUser(ctx)
        const message = yield* messageOf(yield* fieldsOf(ctx))
        const body = defined({
          users: [user],
          title: message["title"],
          content: message["body"],
          data: message["params"]
        })
        return ok(yield* notify(app, body, ctx.headers["idempotency-key"]), 202)
      }),
    { forms: true }
  ),
  // `/api/status/ping` and `/api/status/info` are `/v1/status/*`, the same handlers.
  ...statusRoutes
    .filter((r) => r.pattern.startsWith("/v1/status/"))
    .map((r) => ({ ...r, pattern: r.pattern.replace("/v1/", "/api/") }))
]
