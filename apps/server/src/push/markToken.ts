/**
 * The `markToken` of a push message (PROTOCOL.md §14): a capability to mark that one
 * notification read, carried by the message to the service worker, which has no user token.
 * It names the app and the notification and is signed (HMAC-SHA256) with the app's secret, so
 * it needs no storage, and rotating the secret revokes every outstanding one.
 */
import { createHmac, timingSafeEqual } from "node:crypto"

const PURPOSE = "pushback push read"

const signature = (secret: string, app: string, notification: string) =>
  createHmac("sha256", secret).update(`${PURPOSE}\n${app}\n${notification}`).digest("base64url")

/** The token that lets its holder mark `notification` of `app` read. */
export const makeMarkToken = (secret: string, app: string, notification: string): string =>
  `${notification}~${app}~${signature(secret, app, notification)}`

/** The app and notification a token names (unchecked), or undefined when it is not a token's shape. */
export const peekMarkToken = (
  token: string
): { app: string; notification: string; sig: string } | undefined => {
  const parts = token.split("~")
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) return undefined
  return { notification: parts[0]!, app: parts[1]!, sig: parts[2]! }
}

/** Whether `token`'s signature is `secret`'s. */
export const markTokenValid = (secret: string, token: { app: string; notification: string; sig: string }) => {
  const expected = Buffer.from(signature(secret, token.app, token.notification))
  const given = Buffer.from(token.sig)
  return expected.length === given.length && timingSafeEqual(expected, given)
}
