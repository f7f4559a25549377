/**
 * Auth: tells who is calling from a bearer credential (PROTOCOL.md §2). Three kinds, each
 * accepted only where it belongs: the operator's admin token, an app secret (which names its
 * app: `app_id.random`), and a user token (HS256 JWT signed with the app secret). A
 * credential of the wrong kind is 401, as is anything expired, forged or malformed.
 */
import { timingSafeEqual } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import { ApiError, unauthorized } from "../http/ApiError.js"
import { Config } from "../config/Config.js"
import { attempt, mapPlain, type Plain } from "../http/plain.js"
import { peekClaims, verifyUserToken } from "./Jwt.js"
import type { AppRecord } from "../tenancy/TenancyStore.js"
import { Store } from "../storage/Store.js"

/** An authenticated end user. */
export interface UserPrincipal {
  readonly app: AppRecord
  readonly user: string
  /** Expiry, seconds since the epoch. */
  readonly exp: number
  /** The channels its token lets it subscribe to (`channels` claim, PROTOCOL.md §12). */
  readonly channels?: ReadonlyArray<string>
}

/** The Auth interface. */
export interface AuthShape {
  readonly admin: (credential: string | undefined) => Effect.Effect<void, ApiError>
  readonly app: (credential: string | undefined) => Effect.Effect<AppRecord, ApiError>
  /** `app` as plain code (http/plain.ts), for the notify path: throws or rejects with the 401. */
  readonly appOf: (credential: string | undefined) => Plain<AppRecord>
  /** Verifies a user token; `expired` tells an expired token apart from a bad one. */
  readonly user: (token: string | undefined) => Effect.Effect<UserPrincipal, UserTokenError>
}

/** The Auth service tag. */
export class Auth extends Context.Tag("@pushback/server/Auth")<Auth, AuthShape>() {}

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** `Authorization: Bearer X` → X. */
export const bearer = (header: string | undefined): string | undefined => {
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

/**
 * Why an `Authorization` header gave no bearer credential (PROTOCOL.md §16), or undefined when
 * there was no header: a credential sent bare is told that `Bearer ` is missing, another scheme
 * that this one is needed. Never quotes the credential.
 */
export const schemeRefusal = (header: string | undefined): string | undefined => {
  if (header === undefined || header.trim() === "") return undefined
  const parts = header.trim().split(/\s+/)
  if (parts.length === 1 && !/^bearer$/i.test(parts[0]!))
    return "the Authorization header has no scheme: send `Authorization: Bearer <credential>`"
  if (!/^bearer$/i.test(parts[0]!))
    return `the Authorization header uses the ${parts[0]!.slice(0, 20)} scheme: send \`Authorization: Bearer <credential>\``
  return "the Authorization header has Bearer but no single credential after it"
}

/** The app id a secret names, if it has the secret's shape. */
export const appIdOfSecret = (secret: string): string | undefined => {
  const match = /^(app_[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]{32,}$/.exec(secret)
  return match?.[1]
}

/** A refused user token; `expired` maps to WebSocket close 4009 instead of 4001. */
export class UserTokenError extends ApiError {
  expired = false
}

const tokenError = (message: string, expired: boolean) => {
  const error = new UserTokenError({ code: "unauthorized", message })
  error.expired = expired
  return error
}

/**
 * Why a credential was refused on an operator endpoint (PROTOCOL.md §10): none given, one of
 * another kind, or simply not the admin token. It never says what the admin token is.
 */
const adminRefusal = (credential: string | undefined): string => {
  if (credential === undefined) return "an admin token is required"
  if (appIdOfSecret(credential) !== undefined)
    return "an app secret cannot call operator endpoints: use the admin token"
  if (peekClaims(credential) !== undefined)
    return "a user token cannot call operator endpoints: use the admin token"
  return "wrong admin token"
}

/** Why a credential that is not an app secret is refused on a backend endpoint. */
const appRefusal = (credential: string | undefined, adminToken: string): string => {
  if (credential === undefined) return "an app secret is required"
  if (sameSecret(credential, adminToken))
    return "the admin token cannot call backend endpoints: use the app's secret"
  if (peekClaims(credential) !== undefined)
    return "a user token cannot call backend endpoints: use the app's secret"
  return "invalid app secret: a secret is the app id, a dot and at least 32 characters"
}

/** Why a credential that is not a user token is refused where a user token belongs (§16). */
const userRefusal = (credential: string, adminToken: string): string => {
  if (appIdOfSecret(credential) !== undefined)
    return "an app secret was sent where a user token belongs: keep the secret on your backend and mint user tokens (POST /v1/tokens)"
  if (sameSecret(credential, adminToken))
    return "the admin token was sent where a user token belongs: end-user endpoints take a user token (POST /v1/tokens)"
  return "malformed user token"
}

/** Builds Auth over the store and config. */
export const makeAuth = Effect.gen(function* () {
  const store = yield* Store
  const config = yield* Config

  const auth: AuthShape = {
    admin: (credential) =>
      credential !== undefined && sameSecret(credential, config.adminToken)
        ? Effect.void
        : Effect.fail(unauthorized(adminRefusal(credential))),
    app: (credential) => attempt(() => auth.appOf(credential)),
    appOf: (credential) => {
      const id = credential === undefined ? undefined : appIdOfSecret(credential)
      if (credential === undefined || id === undefined)
        throw unauthorized(appRefusal(credential, config.adminToken))
      const checked = (app: AppRecord | undefined) => {
        if (app === undefined || !sameSecret(credential, app.secret)) throw unauthorized("invalid app secret")
        return app
      }
      return mapPlain(store.findApp(id), checked)
    },
    user: (token) =>
      Effect.gen(function* () {
        if (token === undefined) return yield* tokenError("a user token is required", false)
        const claims = peekClaims(token)
        if (claims === undefined) return yield* tokenError(userRefusal(token, config.adminToken), false)
        const app = yield* store.getApp(claims.app)
        if (app === undefined) return yield* tokenError("invalid user token", false)
        const verdict = verifyUserToken(token, app.secret, Math.floor(Date.now() / 1000))
        if (!verdict.ok) {
          return yield* tokenError(
            verdict.problem === "expired" ? "user token expired" : "invalid user token",
            verdict.problem === "expired"
          )
        }
        if (verdict.claims.channel !== undefined)
          return yield* tokenError(
            "a channel token only subscribes to its channel: connect with a user token",
            false
          )
        const { channels } = verdict.claims
        return {
          app,
          user: verdict.claims.sub,
          exp: verdict.claims.exp,
          ...(channels === undefined ? {} : { channels })
        }
      })
  }
  return auth
})

/** The Auth layer. */
export const layerAuth = Layer.effect(Auth, makeAuth)
