/**
 * The channels' limits and timings (PROTOCOL.md §12): the `channels` block of the config file
 * over the defaults below. Tests shorten the presence heartbeat this way, so a dead node's
 * members are seen to leave in seconds rather than in the 30 s the protocol allows.
 */
import { ConfigError } from "./values.js"

/** How channels are limited and how their presence beats. */
export interface ChannelSettings {
  /** Largest publication (its `data` serialized), in bytes. */
  readonly publicationBytes: number
  /** Most channels one session subscribes to at once. */
  readonly channelsPerSession: number
  /** Most distinct users subscribed to one channel (its presence members). */
  readonly presenceMembers: number
  /** Publications one session (or, over REST, one user on one node) may make per second. */
  readonly clientPublishPerSecond: number
  /** How often a node beats for its channel members in Redis, in milliseconds. */
  readonly beatMs: number
  /** How long after its last beat a silent node's members leave, in milliseconds (≤ 30 s). */
  readonly lifetimeMs: number
  /** How long a channel's epoch and offset outlive its last publication, in seconds. */
  readonly positionTtlSeconds: number
  /** How long a long-poll client stays a member after its poll ends, in seconds. */
  readonly pollPresenceSeconds: number
  /** How often a node reads every namespace again (changes elsewhere also arrive at once over Redis). */
  readonly namespaceRefreshMs: number
}

/** The defaults: §12's limits, five missed 5 s beats before a dead node's members leave. */
export const DefaultChannelSettings: ChannelSettings = {
  publicationBytes: 16 * 1024,
  channelsPerSession: 100,
  presenceMembers: 10_000,
  clientPublishPerSecond: 20,
  beatMs: 5_000,
  lifetimeMs: 25_000,
  positionTtlSeconds: 86_400,
  pollPresenceSeconds: 10,
  namespaceRefreshMs: 30_000
}

/** The file's `channels` block over the defaults; each value a positive number. */
export const readChannelSettings = (file: Record<string, unknown>, where: string): ChannelSettings => {
  const given = file["channels"]
  if (given === undefined) return DefaultChannelSettings
  if (typeof given !== "object" || given === null || Array.isArray(given))
    throw new ConfigError(`"channels" in ${where}: must be an object`)
  const settings: Record<string, number> = { ...DefaultChannelSettings }
  for (const [key, value] of Object.entries(given)) {
    if (!(key in settings)) throw new ConfigError(`"channels.${key}" in ${where}: unknown setting`)
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
      throw new ConfigError(`"channels.${key}" in ${where}: must be a positive number`)
    settings[key] = value
  }
  return settings as unknown as ChannelSettings
}
