/**
 * The channel use cases of a session and of REST (PROTOCOL.md §12): subscribing (who may, the
 * per-session and per-channel limits, presence membership, recovery from history, then
 * `subscribed`), unsubscribing, publishing (from the backend or a client: the name, the
 * namespace, the size limit, the client's rate) and presence. Every decision is made from memory
 * (namespaces, the session's claims); publications and members go through the Channels service.
 * No SQL.
 */
import { Effect, Runtime } from "effect"
import { Config } from "../config/Config.js"
import { ApiError } from "../http/ApiError.js"
import { atExpiry } from "../stream/expiry.js"
import type { Session } from "../stream/Session.js"
import { type Caller, mayPublish, maySubscribe, namespaceFor } from "./access.js"
import { Channels, type Position } from "./Channels.js"
import { ChannelHub, unsubscribedText } from "./hub.js"
import { Namespaces } from "./Namespaces.js"

/** The caller a session is. */
export const callerOf = (session: Session): Caller => ({
  app: session.app,
  appSecret: session.appSecret,
  user: session.user,
  channels: session.channels
})

/** How a session subscribes: a channel token, a position to recover from, a long-poll's lease. */
export interface SubscribeOptions {
  readonly token?: string | undefined
  readonly since?: Position | undefined
  /** For a long-poll: its membership outlives the poll by this long. */
  readonly pollLeaseMs?: number | undefined
  /**
   * A long-poll that resumes (it has a cursor): what it recovered comes as `publication` frames,
   * and nothing at all when nothing is new, so the poll waits.
   */
  readonly resuming?: boolean
}

const fail = <A>(value: A | ApiError): Effect.Effect<A, ApiError> =>
  value instanceof ApiError ? Effect.fail(value) : Effect.succeed(value)

/** The member key of a session: itself, or one per user for long-polls (each poll is a new session). */
const memberKeyOf = (session: Session): string =>
  session.transport === "poll" ? `poll:${session.user}` : session.id

/**
 * Subscribes `session` to `channel`: writes `subscribed` (and what it recovered), or fails with
 * why not (`bad_request`, `not_found`, `forbidden`, `unavailable`). Subscribing again starts over.
 */
export const subscribe = (session: Session, channel: string, options: SubscribeOptions = {}) =>
  Effect.gen(function* () {
    const namespaces = yield* Namespaces
    const hub = yield* ChannelHub
    const channels = yield* Channels
    const { channels: settings } = yield* Config
    const ns = yield* fail(namespaceFor(namespaces, session.app, channel))
    const { info, expires } = yield* fail(maySubscribe(callerOf(session), channel, ns, options.token))
    hub.remove(session, channel)
    if (hub.countOf(session) >= settings.channelsPerSession)
      return yield* new ApiError({
        code: "forbidden",
        message: `at most ${settings.channelsPerSession} channels per session`
      })
    const sub = hub.add(session, channel)!
    sub.info = info
    const key = memberKeyOf(session)
    const undo = () => {
      hub.remove(session, channel)
      return session.transport === "poll" ? Effect.void : channels.leave(session.app, channel, key)
    }
    const opened = Effect.gen(function* () {
      const member = { key, user: session.user, info, leaseMs: options.pollLeaseMs }
      if ((yield* channels.join(session.app, channel, member, settings.presenceMembers)) === "full")
        return yield* new ApiError({
          code: "forbidden",
          message: `the channel has ${settings.presenceMembers} users already`
        })
      const read = yield* channels.history(
        session.app,
        channel,
        ns.history,
        options.since,
        ns.history.size || 1
      )
      const presence = ns.presence
        ? JSON.stringify(yield* channels.presence(session.app, channel))
        : undefined
      return { read, presence }
    })
    const { read, presence } = yield* Effect.onError(opened, () => undo())
    if (session.phase._tag === "closed") return yield* undo()
    const quiet = options.pollLeaseMs !== undefined && options.resuming === true
    hub.open(sub, read, { recovered: read.recovered, publications: read.publications, presence, quiet })
    if (expires !== undefined && session.transport !== "poll") {
      // A channel token's subscription ends when the token does (subscribe again with a fresh one).
      const runtime = yield* Effect.runtime<Channels | ChannelHub>()
      sub.cancel = atExpiry(expires, () => {
        if (hub.find(session, channel) !== sub) return
        Runtime.runFork(runtime)(
          Effect.flatMap(unsubscribe(session, channel, "token_expired"), () => Effect.void).pipe(
            Effect.ignore
          )
        )
      })
    }
  })

/** Unsubscribes `session` from `channel`: `unsubscribed` is written; `not_found` when it was not subscribed. */
export const unsubscribe = (session: Session, channel: string, reason = "unsubscribe") =>
  Effect.gen(function* () {
    const hub = yield* ChannelHub
    const sub = hub.remove(session, channel)
    if (sub === undefined)
      return yield* new ApiError({ code: "not_found", message: `not subscribed to ${channel.slice(0, 255)}` })
    if (session.transport !== "poll")
      yield* (yield* Channels).leave(session.app, channel, memberKeyOf(session))
    session.write(unsubscribedText(channel, reason))
  })

/**
 * Publishes `data` (a JSON value) to `channel`. With a `client` (a user's session or a user over
 * REST) the namespace must allow client publishing and the user be allowed the channel, at most
 * `clientPublishPerSecond`; `from` (the publishing session) gets none of it.
 */
export const publish = (
  app: string,
  channel: string,
  data: unknown,
  client?: { readonly caller: Caller; readonly session?: Session | undefined },
  idempotencyKey?: string
) =>
  Effect.gen(function* () {
    const namespaces = yield* Namespaces
    const { channels: settings } = yield* Config
    const ns = yield* fail(namespaceFor(namespaces, app, channel))
    const text = JSON.stringify(data ?? null)
    if (Buffer.byteLength(text) > settings.publicationBytes)
      return yield* new ApiError({
        code: "payload_too_large",
        message: `a publication's data is at most ${settings.publicationBytes} bytes`
      })
    if (client !== undefined) {
      const session = client.session
      const subscribed = session !== undefined && (yield* ChannelHub).find(session, channel) !== undefined
      const refused = mayPublish(client.caller, channel, ns, subscribed)
      if (refused !== undefined) return yield* refused
      if (!(yield* ChannelHub).takePublish(session?.id ?? `${app}\n${client.caller.user}`))
        return yield* new ApiError({
          code: "rate_limited",
          message: `at most ${settings.clientPublishPerSecond} publications per second`,
          retryAfter: 1
        })
    }
    return yield* (yield* Channels).publish(app, channel, {
      data: text,
      user: client?.caller.user ?? null,
      from: client?.session?.id ?? null,
      history: ns.history,
      idempotencyKey
    })
  })

/** The presence of a channel as a client asks it: the namespace must have presence and the user be allowed. */
export const clientPresence = (session: Session, channel: string) =>
  Effect.gen(function* () {
    const namespaces = yield* Namespaces
    const ns = yield* fail(namespaceFor(namespaces, session.app, channel))
    if (!ns.presence)
      return yield* new ApiError({ code: "forbidden", message: "this namespace has no presence" })
    if ((yield* ChannelHub).find(session, channel) === undefined)
      yield* fail(maySubscribe(callerOf(session), channel, ns, undefined))
    return { users: yield* (yield* Channels).presence(session.app, channel) }
  })
