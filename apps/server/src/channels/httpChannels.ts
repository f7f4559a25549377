/**
 * Channels on SSE and long-poll (PROTOCOL.md §12): `channels=a,b` and
 * `channelsSince=<name>@<epoch>:<offset>,…` on connect subscribe the stream's session once it is
 * open, with the same frames as WebSocket; a channel it may not have gets `unsubscribed` with the
 * refusal's code as `reason` (`forbidden`, `not_found`, `bad_request`). Publishing goes through
 * REST.
 *
 * Long-poll keeps nothing per poller: each poll subscribes its own short-lived session, so the
 * publications made while it waits arrive live and answer it. What happens between two polls is
 * recovered from history with the `channelsSince` the client sends (the positions of the frames
 * it got): a poll that resumes where it was writes nothing for that channel and waits; one that
 * missed publications gets them as `publication` frames at once; one whose
 * publications are no longer all kept (no history, too old, another epoch) gets `subscribed` with
 * `recovered: false`. A poller stays a presence member (one per user and channel) while it keeps
 * polling: its membership outlives each poll by the poll's wait plus `pollPresenceSeconds`.
 */
import { Effect, type ManagedRuntime } from "effect"
import type { ServerConfig } from "../config/Config.js"
import { ApiError, badRequest } from "../http/ApiError.js"
import type { Session } from "../stream/Session.js"
import type { StreamHook } from "../stream/transports/httpStream.js"
import type { Position } from "./Channels.js"
import { unsubscribedText } from "./hub.js"
import { isChannelName } from "./names.js"
import type { ChannelNeeds } from "./wsFrames.js"
import { subscribe } from "./subscriptions.js"

/** One channel a stream asks for, and where it stands in it. */
interface Asked {
  readonly channel: string
  readonly since: Position | undefined
}

const SINCE = /^(.+)@([A-Za-z0-9_-]{1,64}):(\d{1,15})$/

/** The channels of a request's query; undefined when it names none; 400 for a malformed one. */
export const parseChannels = (url: URL, max: number): ReadonlyArray<Asked> | ApiError | undefined => {
  const names = url.searchParams.get("channels")
  const since = url.searchParams.get("channelsSince")
  if ((names === null || names === "") && (since === null || since === "")) return undefined
  const asked = new Map<string, Position | undefined>()
  for (const name of (names ?? "").split(",")) if (name !== "") asked.set(name, undefined)
  for (const item of (since ?? "").split(",")) {
    if (item === "") continue
    const match = SINCE.exec(item)
    if (match === null)
      return badRequest("channelsSince: a list of <channel>@<epoch>:<offset>", "channelsSince")
    asked.set(match[1]!, { epoch: match[2]!, offset: Number(match[3]) })
  }
  for (const name of asked.keys())
    if (!isChannelName(name))
      return badRequest("channels: names are 1-255 letters, digits or _ . : @ = -", "channels")
  if (asked.size > max) return badRequest(`channels: at most ${max} channels per session`, "channels")
  return [...asked].map(([channel, position]) => ({ channel, since: position }))
}

/** The hook SSE and long-poll call (stream/transports/httpStream.ts), running on the node's `runtime`. */
export const channelStreamHook =
  (runtime: ManagedRuntime.ManagedRuntime<ChannelNeeds, never>, config: ServerConfig): StreamHook =>
  (url) => {
    const asked = parseChannels(url, config.channels.channelsPerSession)
    if (asked === undefined || asked instanceof ApiError) return asked
    return (
      session: Session,
      poll: { readonly waitSeconds: number; readonly resuming: boolean } | undefined
    ) =>
      runtime.runPromise(
        Effect.forEach(
          asked,
          ({ channel, since }) =>
            subscribe(session, channel, {
              since,
              pollLeaseMs:
                poll === undefined
                  ? undefined
                  : (poll.waitSeconds + config.channels.pollPresenceSeconds) * 1000,
              resuming: poll?.resuming === true
            }).pipe(
              Effect.catchAll((error) =>
                Effect.sync(() => {
                  session.write(unsubscribedText(channel, error.code))
                })
              )
            ),
          { concurrency: "unbounded", discard: true }
        )
      )
  }
