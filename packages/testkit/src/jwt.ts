/**
 * The one HS256 signer of the suites, for tokens a test makes itself: valid ones signed with an
 * app's secret as `@pushback/node`'s `createUserToken` would, and forged ones (expired, signed
 * with the wrong key, `alg: none`, another app's claims) to exercise the server's token checks
 * from the outside. Tokens minted by the server go through `userToken` (http.ts).
 */
import { createHmac } from "node:crypto"

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url")

/**
 * A JWT of `header` and `claims`, signed with HMAC-SHA256 over `key` whatever the header says
 * (so `{alg: "none"}` with a key still carries a signature), or unsigned (`header.claims.`)
 * when `key` is null. Claims given as a string are the payload verbatim (for values
 * `JSON.stringify` cannot write, such as `1e999`).
 */
export const signJwt = (
  claims: Record<string, unknown> | string,
  key: string | null,
  header: Record<string, unknown> = { alg: "HS256", typ: "JWT" }
): string => {
  const payload = typeof claims === "string" ? Buffer.from(claims).toString("base64url") : b64(claims)
  const body = `${b64(header)}.${payload}`
  const signature = key === null ? "" : createHmac("sha256", key).update(body).digest("base64url")
  return `${body}.${signature}`
}

/** The current time in whole seconds, as JWT claims count it. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** Claims for `user` of `app` expiring `inSeconds` from now (negative: already expired). */
export const claimsFor = (appId: string, user: string, inSeconds: number) => {
  const now = nowSeconds()
  return { app: appId, sub: user, iat: now, exp: now + inSeconds }
}

/** A user token signed locally with the app's secret, valid `inSeconds` (default 10 minutes; negative: expired). */
export const localToken = (
  app: { readonly id: string; readonly secret: string },
  user: string,
  inSeconds = 600
): string => signJwt(claimsFor(app.id, user, inSeconds), app.secret)
