/**
 * Who may do what on a channel (PROTOCOL.md §12), decided from memory: the channel's name, its
 * namespace's options (an unknown namespace is `not_found`), and the caller's grants — a public
 * namespace lets any user of the app subscribe; otherwise the user token's `channels` claim
 * (names or `prefix*`), or a channel token for exactly this channel, user and app, signed with
 * the app's secret (its `info` is shown in presence). Client publishing also needs the
 * namespace's `clientPublish`, and at most `clientPublishPerSecond` per session.
 */
import { ApiError, badRequest } from "../http/ApiError.js"
import { verifyUserToken } from "../auth/Jwt.js"
import { granted, isChannelName, namespaceOf, namespaceToPath } from "./names.js"
import type { NamespaceOptions, NamespacesShape } from "./Namespaces.js"

/** What a caller is: its app (and secret, for channel tokens), user, and `channels` claim. */
export interface Caller {
  readonly app: string
  readonly appSecret: string
  readonly user: string
  readonly channels: ReadonlyArray<string>
}

const forbidden = (message: string) => new ApiError({ code: "forbidden", message })

/** The options of a valid channel's namespace: 400 for a bad name, 404 for an unknown namespace. */
export const namespaceFor = (
  namespaces: NamespacesShape,
  app: string,
  channel: string
): NamespaceOptions | ApiError => {
  if (!isChannelName(channel))
    return badRequest("channel: must be 1-255 letters, digits or _ . : @ = -", "channel")
  const options = namespaces.of(app, channel)
  if (options === undefined)
    return new ApiError({
      code: "not_found",
      message: `namespace ${namespaceToPath(namespaceOf(channel))} not found: create it with PUT /v1/namespaces/{ns}`
    })
  return options
}

/** The `info` claim of a token's payload as JSON text, or null. */
const infoOf = (token: string): string | null => {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      info?: unknown
    }
    return claims.info === undefined ? null : JSON.stringify(claims.info)
  } catch {
    return null
  }
}

/**
 * Whether `caller` may subscribe to `channel` of a namespace with `options`: the `info` to show
 * in presence (JSON text or null) and, with a channel token, when it expires (seconds), or why not.
 */
export const maySubscribe = (
  caller: Caller,
  channel: string,
  options: NamespaceOptions,
  token: string | undefined
): { readonly info: string | null; readonly expires?: number } | ApiError => {
  if (token !== undefined) {
    const verdict = verifyUserToken(token, caller.appSecret, Math.floor(Date.now() / 1000))
    if (!verdict.ok)
      return forbidden(verdict.problem === "expired" ? "channel token expired" : "invalid channel token")
    const claims = verdict.claims
    if (claims.app !== caller.app || claims.sub !== caller.user || claims.channel !== channel)
      return forbidden("the channel token is for another channel, user or app")
    return { info: infoOf(token), expires: claims.exp }
  }
  if (options.public || granted(caller.channels, channel)) return { info: null }
  return forbidden(
    `not allowed to subscribe to ${channel}: the namespace is not public and no token grants it`
  )
}

/** Whether a user may publish to `channel` from a client (the namespace allows it and they may subscribe). */
export const mayPublish = (
  caller: Caller,
  channel: string,
  options: NamespaceOptions,
  subscribed: boolean
): ApiError | undefined => {
  if (!options.clientPublish)
    return forbidden("clients may not publish in this namespace (clientPublish is off)")
  if (subscribed || options.public || granted(caller.channels, channel)) return undefined
  return forbidden(`not allowed to publish to ${channel}: subscribe to it first`)
}

/** A token bucket per key: `perSecond` a second, bursts of as many. Bounded: forgets all past 100,000 keys. */
export const makeRate = (perSecond: number) => {
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    /** Takes one token; false when there is none. */
    take: (key: string): boolean => {
      const now = Date.now()
      let bucket = buckets.get(key)
      if (bucket === undefined) {
        if (buckets.size >= 100_000) buckets.clear()
        bucket = { tokens: perSecond, at: now }
        buckets.set(key, bucket)
      }
      bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond)
      bucket.at = now
      if (bucket.tokens < 1) return false
      bucket.tokens--
      return true
    },
    /** Forgets a key (its session ended). */
    forget: (key: string): void => {
      buckets.delete(key)
    }
  }
}
