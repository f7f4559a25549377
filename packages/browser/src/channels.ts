/**
 * `@pushback/browser/channels`: live channels (PROTOCOL.md §12) — publish/subscribe, presence
 * with join and leave, and recovery after a reconnect — a separate entry point with its own size
 * budget, so the core bundle keeps its 6 KB. Re-exports only.
 *
 * ```ts
 * const live = createChannelClient({ url, token })
 * const doc = live.channel("doc:42")
 * const off = doc.subscribe((p) => apply(p.data))
 * doc.on("join", (m) => show(m.id))
 * await doc.publish({ cursor: 12 })
 * ```
 */
export type { Channel, ChannelOptions } from "./channels/Channel.js"
export {
  type ChannelClient,
  type ChannelClientOptions,
  createChannelClient
} from "./channels/ChannelClient.js"
export type {
  ChannelEvents,
  ChannelFrame,
  JoinLeaveFrame,
  Member,
  Position,
  Publication,
  PublicationFrame,
  SubscribedEvent,
  SubscribedFrame,
  UnsubscribedFrame
} from "./channels/types.js"
