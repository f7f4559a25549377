/**
 * User tokens (PROTOCOL.md §2): what a backend, the CLI and the socket.io seed's register call
 * hand a browser. A token is an HS256 JWT signed with the app's secret, for one user of the app,
 * who is registered when their token is issued (as notify does) so that they are listed.
 */
import { Effect } from "effect"
import { Config } from "../config/Config.js"
import { badRequest } from "../http/ApiError.js"
import { Store } from "../storage/Store.js"
import type { AppRecord } from "../tenancy/TenancyStore.js"
import { signUserToken } from "./Jwt.js"

/** A minted user token and when it expires. */
export interface UserToken {
  readonly token: string
  readonly expiresAt: string
}

/** Mints a user token for `user` of `app`, valid `ttlSeconds` from now. */
export const mintUserToken = (
  app: { readonly id: string; readonly secret: string },
  user: string,
  ttlSeconds: number
): UserToken => {
  const iat = Math.floor(Date.now() / 1000)
  const exp = iat + ttlSeconds
  return {
    token: signUserToken({ app: app.id, sub: user, iat, exp }, app.secret),
    expiresAt: new Date(exp * 1000).toISOString()
  }
}

/** A token's lifetime: the one asked for, else the configured default; over the maximum is 400. */
export const tokenTtl = (requested: number | undefined) =>
  Effect.gen(function* () {
    const { limits } = yield* Config
    const ttl = requested ?? limits.tokenTtlSeconds
    if (ttl > limits.maxTokenTtlSeconds) {
      return yield* badRequest(`ttlSeconds: at most ${limits.maxTokenTtlSeconds}`, "ttlSeconds")
    }
    return ttl
  })

/** Issues a token for `user` of `app`: registers the user (so they are listed), then mints it. */
export const issueUserToken = (app: AppRecord, user: string, ttlSeconds: number) =>
  Effect.gen(function* () {
    yield* (yield* Store).upsertUsers(app.id, [{ id: user }], new Date().toISOString())
    return mintUserToken(app, user, ttlSeconds)
  })
