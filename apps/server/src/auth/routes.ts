/**
 * The auth routes (app secret): `POST /v1/tokens` issues a user token (PROTOCOL.md §2).
 */
import { TokenRequest } from "@pushback/protocol"
import { Effect } from "effect"
import { decodeBody, ok, route } from "../http/Route.js"
import { asApp } from "./guards.js"
import { issueUserToken, tokenTtl } from "./tokens.js"

/** The token routes. */
export const authRoutes = [
  route("POST", "/v1/tokens", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const body = yield* decodeBody(TokenRequest, ctx.body)
      const ttl = yield* tokenTtl(body.ttlSeconds)
      return ok(yield* issueUserToken(app, body.user, ttl))
    })
  )
]
