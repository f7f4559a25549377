/**
 * Channels (PROTOCOL.md §12) across the cluster: publishing (offset and epoch, history),
 * reading history, presence members and the active channels. One node keeps them in memory
 * (memoryChannels.ts); several share them through Redis (redisChannels.ts): publications on one
 * pub/sub channel, history and positions in Redis with a size and a TTL, members with node
 * heartbeats. Either layer hands what happens (a publication, a user's join or leave) to this
 * node's hub (hub.ts), which writes it to the local subscribers. Nothing here touches SQL.
 */
import type { ChannelSummary, PresenceMember } from "@pushback/protocol"
import { Context, type Effect } from "effect"
import type { ApiError } from "../http/ApiError.js"

/** Where a channel stands: the id of its history and the offset of its latest publication. */
export interface Position {
  readonly epoch: string
  readonly offset: number
}

/** A publication as history keeps it: `data` is its JSON text, `user` who published it (null: the backend). */
export interface StoredPublication {
  readonly offset: number
  readonly data: string
  readonly user: string | null
}

/** A publication on its way to the subscribers (`from`: the publishing session, which gets none). */
export interface PublicationEvent extends StoredPublication {
  readonly app: string
  readonly channel: string
  readonly epoch: string
  readonly from: string | null
}

/** A user's first session joined a channel, or their last one left (`info`: JSON text or null). */
export interface MemberEvent {
  readonly kind: "join" | "leave"
  readonly app: string
  readonly channel: string
  readonly user: string
  readonly info: string | null
}

/** What a namespace keeps: the last `size` publications for `ttlSeconds` (either 0: none). */
export interface HistoryPolicy {
  readonly size: number
  readonly ttlSeconds: number
}

/** A publication to make. */
export interface PublishInput {
  /** The data as JSON text (checked against the size limit by the caller). */
  readonly data: string
  readonly user: string | null
  readonly from: string | null
  readonly history: HistoryPolicy
  /** A repeat within the idempotency TTL answers the first publication's position and publishes nothing. */
  readonly idempotencyKey?: string | undefined
}

/** What history answers: the position, the publications kept (after `since`), whether all missed ones were there. */
export interface HistoryRead extends Position {
  readonly publications: ReadonlyArray<StoredPublication>
  readonly recovered: boolean
}

/**
 * A member of a channel: one subscribed session (`key`: its id), or a long-poll client, whose
 * membership (`key` `poll:<user>`) outlives each poll by `leaseMs` and is renewed by the next.
 */
export interface Member {
  readonly key: string
  readonly user: string
  /** The `info` of the channel token it subscribed with, as JSON text, or null. */
  readonly info: string | null
  readonly leaseMs?: number | undefined
}

/** The Channels interface (all of it cluster-wide). */
export interface ChannelsShape {
  /** Numbers and publishes a publication; `unavailable` without the bus. */
  readonly publish: (app: string, channel: string, input: PublishInput) => Effect.Effect<Position, ApiError>
  /**
   * The channel's position and kept publications: after `since` when it is in this epoch
   * (`recovered` when every publication after it is still kept), else none; at most `limit`.
   */
  readonly history: (
    app: string,
    channel: string,
    policy: HistoryPolicy,
    since: Position | undefined,
    limit: number
  ) => Effect.Effect<HistoryRead, ApiError>
  /** Adds a member; `full` when the channel already has `maxUsers` other users. */
  readonly join: (
    app: string,
    channel: string,
    member: Member,
    maxUsers: number
  ) => Effect.Effect<"joined" | "full", ApiError>
  /** Removes a member (a leave is told when it was its user's last). Never fails. */
  readonly leave: (app: string, channel: string, key: string) => Effect.Effect<void>
  /** The channel's users with their info and subscribed sessions. */
  readonly presence: (app: string, channel: string) => Effect.Effect<ReadonlyArray<PresenceMember>, ApiError>
  /** The app's channels with at least one member, in name order, from `prefix`. */
  readonly active: (
    app: string,
    prefix: string,
    limit: number
  ) => Effect.Effect<ReadonlyArray<ChannelSummary>, ApiError>
}

/** The Channels service tag. */
export class Channels extends Context.Tag("@pushback/server/Channels")<Channels, ChannelsShape>() {}

/** A random epoch: 8 base62-ish characters, new each time a channel's history starts over. */
export const newEpoch = (): string => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
  let epoch = ""
  for (let i = 0; i < 10; i++) epoch += alphabet[Math.floor(Math.random() * alphabet.length)]
  return epoch
}

/**
 * What a history read answers from the kept publications (in offset order) and the position:
 * see `ChannelsShape.history`. Shared by both layers so recovery means the same everywhere.
 */
export const readHistory = (
  position: Position,
  kept: ReadonlyArray<StoredPublication>,
  since: Position | undefined,
  limit: number
): HistoryRead => {
  if (since === undefined) return { ...position, publications: kept.slice(-limit), recovered: false }
  if (since.epoch !== position.epoch || since.offset > position.offset)
    return { ...position, publications: [], recovered: false }
  if (since.offset === position.offset) return { ...position, publications: [], recovered: true }
  const missed = kept.filter((p) => p.offset > since.offset)
  const complete = missed.length > 0 && missed[0]!.offset === since.offset + 1
  if (!complete) return { ...position, publications: [], recovered: false }
  return { ...position, publications: missed.slice(0, limit), recovered: missed.length <= limit }
}
