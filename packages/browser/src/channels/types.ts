/**
 * The channel frames and answers of PROTOCOL.md §12, as plain interfaces (like `../types.ts`:
 * the protocol package's types come from Effect Schemas, which a browser bundle must not import),
 * and the public shapes of `@pushback/browser/channels`.
 */

/** Where a channel's history stands: the last `offset` within an `epoch`. */
export interface Position {
  readonly offset: number
  readonly epoch: string
}

/** A user present in a channel (the `info` of their channel token, if any). */
export interface Member {
  readonly id: string
  readonly info?: unknown
  /** Their subscribed sessions (from `presence()` over WebSocket; absent from `join`). */
  readonly sessions?: number | undefined
}

/** One publication as the app receives it. */
export interface Publication {
  readonly channel: string
  readonly offset: number
  readonly data: unknown
  /** Who published it (absent for a backend publish). */
  readonly user?: string | undefined
}

/** A member as the server lists it (`info`: null without a channel token's). */
export interface PresenceMember {
  readonly id: string
  readonly info: unknown
  readonly sessions: number
}

/** A kept publication, as `subscribed` and history carry it. */
export interface StoredPublication {
  readonly offset: number
  readonly data: unknown
  readonly user?: string | undefined
}

/** `subscribed`: the subscription is live; `publications` are the ones missed since `since`. */
export interface SubscribedFrame {
  readonly type: "subscribed"
  readonly channel: string
  readonly epoch: string
  readonly offset: number
  readonly recovered: boolean
  readonly publications: ReadonlyArray<StoredPublication>
  readonly presence?: ReadonlyArray<PresenceMember> | undefined
}

/** A live publication. */
export interface PublicationFrame {
  readonly type: "publication"
  readonly channel: string
  readonly offset: number
  readonly data: unknown
  readonly user?: string | undefined
}

/** A user's first session joined, or their last one left. */
export interface JoinLeaveFrame {
  readonly type: "join" | "leave"
  readonly channel: string
  readonly user: string
  readonly info?: unknown
}

/** The server ended a subscription (the namespace went, the channel token expired, …). */
export interface UnsubscribedFrame {
  readonly type: "unsubscribed"
  readonly channel: string
  readonly reason: string
}

/** Any channel frame the server sends. */
export type ChannelFrame = SubscribedFrame | PublicationFrame | JoinLeaveFrame | UnsubscribedFrame

/** The SSE event types of the channel frames. */
export const CHANNEL_EVENTS: ReadonlyArray<ChannelFrame["type"]> = [
  "subscribed",
  "publication",
  "join",
  "leave",
  "unsubscribed"
]

/** A frame the channels client sends over WebSocket. */
export type ChannelClientFrame =
  | {
      readonly type: "subscribe"
      readonly channel: string
      readonly token?: string
      readonly since?: Position
      readonly ref: string
    }
  | { readonly type: "unsubscribe"; readonly channel: string; readonly ref: string }
  // biome-ignore lint/complexity/noBannedTypes: the protocol's JSON value: anything but undefined
  | { readonly type: "publish"; readonly channel: string; readonly data: {} | null; readonly ref: string }
  | { readonly type: "presence"; readonly channel: string; readonly ref: string }

/** What `subscribed` tells the app: `recovered: false` after a reconnect means "reload". */
export interface SubscribedEvent {
  readonly epoch: string
  readonly offset: number
  /**
   * Whether every publication missed since the last one received was delivered. False on a
   * resubscribe whose history was lost (a new epoch, or too old): reload from your backend.
   * True on the first subscribe (nothing was missed).
   */
  readonly recovered: boolean
  /** Whether this is a subscribe again after a lost connection (or a gap). */
  readonly resubscribed: boolean
}

/** Events of `channel.on()`. */
export interface ChannelEvents {
  /** A user's first session subscribed (with `joinLeave` on the namespace). */
  join: (member: Member) => void
  /** A user's last session left. */
  leave: (member: Member) => void
  /** The members as this tab knows them changed (from `subscribed`, `join`, `leave`). */
  presence: (members: ReadonlyArray<Member>) => void
  /** The subscription is live (again). */
  subscribed: (event: SubscribedEvent) => void
  /** The server ended the subscription, or refused it (`forbidden`, `not_found`): not retried. */
  unsubscribed: (event: { readonly reason: string }) => void
}
