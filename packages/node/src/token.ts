/**
 * User tokens minted locally, so a backend can hand its signed-in user a credential for the
 * browser without a round trip to PushBack. The server verifies exactly this format
 * (PROTOCOL.md §2): a JWT, HS256, keyed with the whole app secret's UTF-8 bytes, with claims
 * `app`, `sub`, `iat` and `exp` in seconds, and `channels` (§12) when given. Change it only
 * together with the server.
 */
import { createHmac } from "node:crypto"
import { DefaultLimits, TokenRequest } from "@pushback/protocol"
import { Schema } from "effect"
import { validate } from "./internal/validate.js"
import { appIdFromSecret } from "./secret.js"

/** Options of {@link signUserToken}. */
export interface UserTokenOptions {
  /** Lifetime in seconds: an integer from 1 to 86 400 (24 h). Default 3600 (1 h). */
  readonly ttlSeconds?: number
  /**
   * The channels the user may subscribe to with this token alone (PROTOCOL.md §12): names, or
   * prefixes ending in `*` (`"doc:*"`), at most 100. Left out: none beyond public namespaces.
   */
  readonly channels?: ReadonlyArray<string>
}

/** The claims of a user token. */
export interface UserTokenClaims {
  /** App id. */
  readonly app: string
  /** User id. */
  readonly sub: string
  /** Issued at, seconds since the epoch. */
  readonly iat: number
  /** Expires at, seconds since the epoch. */
  readonly exp: number
  /** The channels it opens (names or `prefix*`), when given. */
  readonly channels?: ReadonlyArray<string>
}

/** A `channels` claim: channel names or prefixes ending in `*`, at most 100. */
const ChannelGrants = Schema.Array(
  Schema.String.pipe(
    Schema.pattern(/^(?:[A-Za-z0-9_.:@=-]{1,255}|[A-Za-z0-9_.:@=-]{0,254}\*)$/, {
      message: () => "must be a channel name or a prefix ending in *"
    })
  )
).pipe(Schema.maxItems(100))

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url")

const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))

/**
 * Signs a user token for `userId` with the app `secret`. `nowMs` is the current time in ms.
 * Throws `PushBackError(400, bad_request)` for an invalid user id or ttl.
 */
export const signUserToken = (
  secret: string,
  userId: string,
  options: UserTokenOptions = {},
  nowMs: number = Date.now()
): string => {
  const app = appIdFromSecret(secret)
  const request = validate(
    TokenRequest,
    options.ttlSeconds === undefined ? { user: userId } : { user: userId, ttlSeconds: options.ttlSeconds }
  )
  const iat = Math.floor(nowMs / 1000)
  const channels =
    options.channels === undefined ? undefined : validate(ChannelGrants, options.channels, "channels")
  const claims: UserTokenClaims = {
    app,
    sub: request.user,
    iat,
    exp: iat + (request.ttlSeconds ?? DefaultLimits.tokenTtlSeconds),
    ...(channels === undefined ? {} : { channels })
  }
  return signClaims(secret, claims)
}

/** A JWT (HS256, keyed with the app secret's UTF-8 bytes) carrying `claims`: user and channel tokens. */
export const signClaims = (secret: string, claims: object): string => {
  const signingInput = `${HEADER}.${base64url(JSON.stringify(claims))}`
  const signature = createHmac("sha256", Buffer.from(secret, "utf8")).update(signingInput).digest("base64url")
  return `${signingInput}.${signature}`
}

/**
 * The claims of a user token, read without checking its signature (the server checks it), or
 * undefined when it is not one. `subscribe` reads whom a token names to mint the next one.
 */
export const readUserToken = (token: string): UserTokenClaims | undefined => {
  try {
    const claims = JSON.parse(
      Buffer.from(token.split(".")[1] ?? "", "base64url").toString()
    ) as UserTokenClaims
    return typeof claims.app === "string" && typeof claims.sub === "string" ? claims : undefined
  } catch {
    return undefined
  }
}
