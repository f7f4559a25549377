/**
 * The PushBack (Django) seed's backend calls and page script (PROTOCOL.md §9): register users,
 * notify them, and the script-tag build of the browser SDK at the two URLs its pages load it
 * from. Each call is the v1 use case (`registerUsers`, `notify`) after its fields are mapped.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { Effect } from "effect"
import { ApiError } from "../http/ApiError.js"
import { type Answer, ok, type RequestContext, route } from "../http/Route.js"
import { notify } from "../notify/calls.js"
import { registerUsers } from "../tenancy/users.js"
import { defined, fieldsOf, idText, isFormBody, seedApp, usersOf } from "./seedInput.js"

/** The v1 notify fields the seed's notify passes on as they are, besides `users` and `content`. */
const PASSED = ["type", "title", "url", "icon", "image", "data", "author", "idempotencyKey"] as const

/** `POST /api/v1/notify/` as a v1 notify body: `users` (ids, numbers too), `content` (any text). */
const notifyBody = (ctx: RequestContext) =>
  Effect.gen(function* () {
    const fields = yield* fieldsOf(ctx)
    const users = yield* usersOf(fields["users"], "users", isFormBody(ctx))
    const passed = Object.fromEntries(PASSED.map((name) => [name, fields[name]]))
    return defined({ ...passed, users, content: fields["content"], author: idText(fields["author"]) })
  })

/** The script-tag build, read once from the installed `@pushback/browser`. */
let script: string | undefined
const scriptText = (): Effect.Effect<string, ApiError> =>
  Effect.try({
    try: () => {
      script ??= readFileSync(createRequire(import.meta.url).resolve("@pushback/browser/global"), "utf8")
      return script
    },
    catch: () => new ApiError({ code: "unavailable", message: "the browser SDK build is not installed" })
  })

const serveScript = (): Effect.Effect<Answer, ApiError> =>
  Effect.map(scriptText(), (raw) => ({
    status: 200,
    raw,
    headers: {
      "content-type": "text/javascript; charset=utf-8",
      // Pages of every origin load it; a new server version may change it, so only an hour.
      "cache-control": "public, max-age=3600",
      "access-control-allow-origin": "*"
    }
  }))

/** The PushBack (Django) seed's routes. */
export const pushbackDjangoRoutes = [
  route(
    "POST",
    "/api/v1/register/",
    (ctx) =>
      Effect.gen(function* () {
        const app = yield* seedApp(ctx)
        const fields = yield* fieldsOf(ctx)
        const users = yield* usersOf(fields["users"], "users", isFormBody(ctx))
        return ok(yield* registerUsers(app, defined({ users })))
      }),
    { forms: true }
  ),
  route(
    "POST",
    "/api/v1/notify/",
    (ctx) =>
      Effect.gen(function* () {
        const app = yield* seedApp(ctx)
        const body = yield* notifyBody(ctx)
        return ok(yield* notify(app, body, ctx.headers["idempotency-key"]), 202)
      }),
    { forms: true }
  ),
  route("GET", "/pushback.js", serveScript),
  route("GET", "/static/core/js/pusher.js", serveScript)
]
