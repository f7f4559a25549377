/**
 * Signs arbitrary JWTs in tests (expired, forged, `alg: none`, other app) to exercise the
 * server's token checks from the outside.
 */
import { createHmac } from "node:crypto"

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url")

/** Signs `claims` with HS256 and `key`, or with the given header (e.g. `{alg: "none"}`, no signature). */
export const signJwt = (
  claims: Record<string, unknown>,
  key: string,
  header: Record<string, unknown> = { alg: "HS256", typ: "JWT" }
): string => {
  const body = `${b64(header)}.${b64(claims)}`
  if (header["alg"] !== "HS256") return `${body}.`
  return `${body}.${createHmac("sha256", key).update(body).digest("base64url")}`
}

/** Claims for `user` of `app` expiring `inSeconds` from now (negative: already expired). */
export const claimsFor = (appId: string, user: string, inSeconds: number) => {
  const now = Math.floor(Date.now() / 1000)
  return { app: appId, sub: user, iat: now, exp: now + inSeconds }
}
