/**
 * An app secret names its app (PROTOCOL.md §2: `app_7Hc2k9xY.<random>`), which is why a
 * backend configures only `{ url, secret }`. This module reads the app id out of it.
 */
import { badRequest } from "./errors.js"

/**
 * The app id of a secret: the part before its first `.`. Throws `PushBackError(400,
 * bad_request)` for a string that cannot be a secret (no `.`, nothing before or after it).
 */
export const appIdFromSecret = (secret: unknown): string => {
  if (typeof secret !== "string") throw badRequest("secret", "must be a string")
  const dot = secret.indexOf(".")
  if (dot <= 0 || dot === secret.length - 1)
    throw badRequest("secret", "must be an app secret: the app id, a '.', and the random part")
  return secret.slice(0, dot)
}
