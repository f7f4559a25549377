/**
 * One notify call as its backend sees it afterwards (PROTOCOL.md §7): `GET /v1/notify/{callId}`
 * answers the call's counts, its email counts and a page of its recipients, each with their
 * delivery, reading and email state. `callDetail` is the one implementation, for the operator's
 * view of a call too.
 */
import { DefaultLimits } from "@pushback/protocol"
import { Effect } from "effect"
import type { ApiError } from "../http/ApiError.js"
import { Auth } from "../auth/Auth.js"
import { Store } from "../storage/Store.js"
import { PageQuery } from "../tenancy/backend.js"
import { type Answer, decodeQuery, found, ok, type RequestContext, route } from "../http/Route.js"

/** What a call id looks like; anything else names no call (and never reaches the database). */
const CALL_ID = /^call_[A-Za-z0-9_-]{1,64}$/

/** The call `callId` of `app` with the page of recipients the query asks for; 404 when unknown. */
export const callDetail = (
  app: string,
  callId: string,
  query: URLSearchParams
): Effect.Effect<Answer, ApiError, Store> =>
  Effect.gen(function* () {
    const q = yield* decodeQuery(PageQuery, query, ["limit", "offset"])
    const call = CALL_ID.test(callId)
      ? yield* (yield* Store).emails.call(app, callId, q.limit ?? DefaultLimits.pageLimit, q.offset ?? 0)
      : undefined
    return ok(yield* found(call, "notify call"))
  })

/** The call routes (app secret). */
export const callRoutes = [
  route("GET", "/v1/notify/:callId", (ctx: RequestContext) =>
    Effect.gen(function* () {
      const app = yield* (yield* Auth).app(ctx.credential)
      return yield* callDetail(app.id, ctx.params["callId"]!, ctx.query)
    })
  )
]
