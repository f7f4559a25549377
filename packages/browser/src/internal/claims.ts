/**
 * Reads the `app` and `sub` claims of a user token without verifying it (the server does):
 * tabs of the same user share a connection, so they need a name for that user.
 */

/** `app:sub` of a JWT, or undefined when it is not one. */
export const userKey = (token: string): string | undefined => {
  try {
    const part = token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")
    const claims = JSON.parse(atob(part)) as { app?: unknown; sub?: unknown }
    return typeof claims.sub === "string" ? `${String(claims.app)}:${claims.sub}` : undefined
  } catch {
    return undefined
  }
}
