/**
 * User tokens: compact JWTs signed HS256 with the app secret (PROTOCOL.md §2). Written on
 * node:crypto so there is no dependency to audit, and strict: only `{"alg":"HS256"}`
 * headers are accepted, so `alg: none` and algorithm confusion are impossible.
 */
import { createHmac, timingSafeEqual } from "node:crypto"

/** The claims of a user token. */
export interface UserClaims {
  readonly app: string
  readonly sub: string
  readonly iat: number
  readonly exp: number
  /** The channels it may subscribe to (PROTOCOL.md §12): names, or prefixes ending in `*`. */
  readonly channels?: ReadonlyArray<string>
  /** Set on a channel token (§12): it lets `sub` subscribe to that channel, and is no user token. */
  readonly channel?: string
}

const b64url = (input: string | Buffer): string => Buffer.from(input).toString("base64url")
const HEADER = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))

const sign = (data: string, secret: string): Buffer => createHmac("sha256", secret).update(data).digest()

/** Signs claims into a token. */
export const signUserToken = (claims: UserClaims, secret: string): string => {
  const body = `${HEADER}.${b64url(JSON.stringify(claims))}`
  return `${body}.${sign(body, secret).toString("base64url")}`
}

/** Why a token was refused. `expired` is told apart so clients know to fetch a new one. */
export type TokenProblem = "malformed" | "forged" | "expired"

const parsePart = (part: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"))
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** Reads the claims without verifying them (to find the app whose secret verifies them). */
export const peekClaims = (token: string): UserClaims | undefined => {
  const parts = token.split(".")
  if (parts.length !== 3) return undefined
  const header = parsePart(parts[0]!)
  const claims = parsePart(parts[1]!)
  if (header?.["alg"] !== "HS256" || claims === undefined) return undefined
  const { app, sub, iat, exp } = claims
  if (typeof app !== "string" || typeof sub !== "string" || sub.length === 0 || sub.length > 128)
    return undefined
  if (typeof exp !== "number" || !Number.isFinite(exp)) return undefined
  const issuedAt = typeof iat === "number" && Number.isFinite(iat) ? iat : 0
  const { channels, channel } = claims
  return {
    app,
    sub,
    iat: issuedAt,
    exp,
    ...(Array.isArray(channels)
      ? { channels: channels.filter((c): c is string => typeof c === "string") }
      : {}),
    ...(typeof channel === "string" ? { channel } : {})
  }
}

/** Verifies signature and expiry against the app secret. */
export const verifyUserToken = (
  token: string,
  secret: string,
  nowSeconds: number
): { ok: true; claims: UserClaims } | { ok: false; problem: TokenProblem } => {
  const claims = peekClaims(token)
  if (claims === undefined) return { ok: false, problem: "malformed" }
  const dot = token.lastIndexOf(".")
  const given = Buffer.from(token.slice(dot + 1), "base64url")
  const expected = sign(token.slice(0, dot), secret)
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, problem: "forged" }
  if (claims.exp <= nowSeconds) return { ok: false, problem: "expired" }
  return { ok: true, claims }
}
