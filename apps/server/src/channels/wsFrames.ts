/**
 * The channel frames a WebSocket client sends (PROTOCOL.md §12) — `subscribe`, `unsubscribe`,
 * `publish`, `presence` — answered through the connection's frame registry
 * (stream/transports/frameHandlers.ts). Each is answered by one `reply` with its `ref`: `ok:
 * true` after `subscribed`/`unsubscribed` (result `{channel}`), with `{offset, epoch}` for a
 * publish and `{users}` for presence; or `ok: false` with the refusal's code. A refusal never
 * closes the socket.
 */
import type { PresenceActionFrame, PublishFrame, SubscribeFrame, UnsubscribeFrame } from "@pushback/protocol"
import { Cause, Effect, type ManagedRuntime, Option } from "effect"
import type { Config } from "../config/Config.js"
import type { ApiError } from "../http/ApiError.js"
import type { Session } from "../stream/Session.js"
import type { ClientFrameHandler, ClientFrameHandlers } from "../stream/transports/frameHandlers.js"
import type { Channels } from "./Channels.js"
import type { ChannelHub } from "./hub.js"
import type { Namespaces } from "./Namespaces.js"
import { callerOf, clientPresence, publish, subscribe, unsubscribe } from "./subscriptions.js"

/** The services the channel frames use. */
export type ChannelNeeds = Channels | ChannelHub | Namespaces | Config

/** The `reply` to a frame: its result as JSON, or its refusal. */
const answer = (
  runtime: ManagedRuntime.ManagedRuntime<ChannelNeeds, never>,
  ref: string,
  work: Effect.Effect<unknown, ApiError, ChannelNeeds>
): Promise<string> =>
  runtime.runPromise(
    work.pipe(
      Effect.map((result) => JSON.stringify({ type: "reply", ref, ok: true, result: result ?? null })),
      Effect.catchAllCause((cause) => {
        const failure = Cause.failureOption(cause)
        const error = Option.isSome(failure)
          ? { code: failure.value.code, message: failure.value.message }
          : { code: "internal", message: "internal error" }
        if (Option.isNone(failure)) console.error(`[pushback] channel frame failed: ${Cause.pretty(cause)}`)
        return Effect.succeed(JSON.stringify({ type: "reply", ref, ok: false, error }))
      })
    )
  )

const handler =
  <F extends { readonly type: string }>(
    fn: (session: Session, frame: F) => Promise<string>
  ): ClientFrameHandler =>
  (session, frame) =>
    fn(session, frame as F)

/** The channel frames' handlers, by type, running on the node's `runtime`. */
export const channelFrameHandlers = (
  runtime: ManagedRuntime.ManagedRuntime<ChannelNeeds, never>
): ClientFrameHandlers => ({
  subscribe: handler<SubscribeFrame>((session, f) =>
    answer(
      runtime,
      f.ref,
      Effect.as(subscribe(session, f.channel, { token: f.token, since: f.since }), { channel: f.channel })
    )
  ),
  unsubscribe: handler<UnsubscribeFrame>((session, f) =>
    answer(runtime, f.ref, Effect.as(unsubscribe(session, f.channel), { channel: f.channel }))
  ),
  publish: handler<PublishFrame>((session, f) =>
    answer(runtime, f.ref, publish(session.app, f.channel, f.data, { caller: callerOf(session), session }))
  ),
  presence: handler<PresenceActionFrame>((session, f) =>
    answer(runtime, f.ref, clientPresence(session, f.channel))
  )
})
