/**
 * Channels on one node (PROTOCOL.md §12), in this process's memory: each channel's epoch (new
 * for every channel after a restart, so a client's old position is never taken for a current
 * one), its offset and the publications its namespace keeps; its members and their users; the
 * idempotency keys of publishes. A publication or a member's change is handed to the hub at
 * once, in order. A sweep each second ends long-poll memberships whose lease ran out; each
 * minute it forgets positions idle longer than `positionTtlSeconds` and expired keys.
 */
import type { ChannelSummary, PresenceMember } from "@pushback/protocol"
import { Effect, Layer } from "effect"
import { Config } from "../config/Config.js"
import {
  Channels,
  type ChannelsShape,
  type HistoryPolicy,
  newEpoch,
  type Position,
  readHistory,
  type StoredPublication
} from "./Channels.js"
import { ChannelHub } from "./hub.js"
import { channelKey } from "./names.js"

/** One channel's history and position. */
interface Kept {
  readonly epoch: string
  offset: number
  /** Kept publications with the time they were made, oldest first. */
  readonly publications: Array<StoredPublication & { readonly at: number }>
  touched: number
}

/** One channel's members: member key → user and info, plus each user's member count. */
interface Roster {
  readonly app: string
  readonly channel: string
  readonly members: Map<string, { readonly user: string; readonly info: string | null; expires?: number }>
  readonly users: Map<string, number>
}

/** The publications a policy still keeps at `now`. */
const keptAt = (kept: Kept, policy: HistoryPolicy, now: number): Array<StoredPublication> => {
  if (policy.size === 0 || policy.ttlSeconds === 0) return []
  const oldest = now - policy.ttlSeconds * 1000
  return kept.publications.filter((p) => p.at >= oldest).slice(-policy.size)
}

/** Channels in memory. */
export const layerMemoryChannels = Layer.scoped(
  Channels,
  Effect.gen(function* () {
    const hub = yield* ChannelHub
    const config = yield* Config
    const positions = new Map<string, Kept>()
    const idempotent = new Map<string, { readonly position: Position; readonly expires: number }>()
    const rosters = new Map<string, Roster>()

    const positionOf = (key: string, now: number): Kept => {
      let kept = positions.get(key)
      if (kept === undefined) {
        kept = { epoch: newEpoch(), offset: 0, publications: [], touched: now }
        positions.set(key, kept)
      }
      kept.touched = now
      return kept
    }
    const removeMember = (roster: Roster, key: string) => {
      const member = roster.members.get(key)
      if (member === undefined) return
      roster.members.delete(key)
      const left = (roster.users.get(member.user) ?? 1) - 1
      if (left > 0) roster.users.set(member.user, left)
      else {
        roster.users.delete(member.user)
        hub.member({
          kind: "leave",
          app: roster.app,
          channel: roster.channel,
          user: member.user,
          info: member.info
        })
      }
      if (roster.members.size === 0) rosters.delete(channelKey(roster.app, roster.channel))
    }

    const sweep = setInterval(() => {
      const now = Date.now()
      for (const roster of [...rosters.values()]) {
        for (const [key, member] of [...roster.members]) {
          if (member.expires !== undefined && member.expires <= now) removeMember(roster, key)
        }
      }
    }, 1000)
    const forget = setInterval(() => {
      const now = Date.now()
      for (const [key, kept] of positions) {
        if (now - kept.touched > config.channels.positionTtlSeconds * 1000) positions.delete(key)
      }
      for (const [key, entry] of idempotent) if (entry.expires <= now) idempotent.delete(key)
    }, 60_000)
    sweep.unref()
    forget.unref()
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        clearInterval(sweep)
        clearInterval(forget)
      })
    )

    const channels: ChannelsShape = {
      publish: (app, channel, input) =>
        Effect.sync(() => {
          const now = Date.now()
          const key = channelKey(app, channel)
          const idemKey = input.idempotencyKey === undefined ? undefined : `${key}\n${input.idempotencyKey}`
          const repeat = idemKey === undefined ? undefined : idempotent.get(idemKey)
          if (repeat !== undefined && repeat.expires > now) return repeat.position
          const kept = positionOf(key, now)
          kept.offset++
          const publication = { offset: kept.offset, data: input.data, user: input.user }
          const { size, ttlSeconds } = input.history
          if (size > 0 && ttlSeconds > 0) {
            kept.publications.push({ ...publication, at: now })
            const oldest = now - ttlSeconds * 1000
            while (
              kept.publications.length > size ||
              (kept.publications.length > 0 && kept.publications[0]!.at < oldest)
            )
              kept.publications.shift()
          } else kept.publications.length = 0
          const position = { epoch: kept.epoch, offset: kept.offset }
          if (idemKey !== undefined)
            idempotent.set(idemKey, { position, expires: now + config.limits.idempotencyTtlSeconds * 1000 })
          hub.publication({ ...publication, app, channel, epoch: kept.epoch, from: input.from })
          return position
        }),
      history: (app, channel, policy, since, limit) =>
        Effect.sync(() => {
          const now = Date.now()
          const kept = positionOf(channelKey(app, channel), now)
          return readHistory(
            { epoch: kept.epoch, offset: kept.offset },
            keptAt(kept, policy, now),
            since,
            limit
          )
        }),
      join: (app, channel, member, maxUsers) =>
        Effect.sync(() => {
          const key = channelKey(app, channel)
          const roster = rosters.get(key) ?? { app, channel, members: new Map(), users: new Map() }
          const expires = member.leaseMs === undefined ? undefined : Date.now() + member.leaseMs
          const existing = roster.members.get(member.key)
          if (existing !== undefined) {
            if (expires !== undefined) existing.expires = expires
            return "joined" as const
          }
          const count = roster.users.get(member.user) ?? 0
          if (count === 0 && roster.users.size >= maxUsers) return "full" as const
          rosters.set(key, roster)
          roster.members.set(member.key, {
            user: member.user,
            info: member.info,
            ...(expires === undefined ? {} : { expires })
          })
          roster.users.set(member.user, count + 1)
          if (count === 0) hub.member({ kind: "join", app, channel, user: member.user, info: member.info })
          return "joined" as const
        }),
      leave: (app, channel, key) =>
        Effect.sync(() => {
          const roster = rosters.get(channelKey(app, channel))
          if (roster !== undefined) removeMember(roster, key)
        }),
      presence: (app, channel) =>
        Effect.sync(() => {
          const roster = rosters.get(channelKey(app, channel))
          if (roster === undefined) return []
          const info = new Map<string, string | null>()
          for (const m of roster.members.values())
            if (!info.has(m.user) || info.get(m.user) === null) info.set(m.user, m.info)
          return [...roster.users].map(
            ([id, sessions]): PresenceMember => ({ id, info: JSON.parse(info.get(id) ?? "null"), sessions })
          )
        }),
      active: (app, prefix, limit) =>
        Effect.sync(() => {
          const found: Array<ChannelSummary> = []
          for (const roster of rosters.values()) {
            if (roster.app !== app || !roster.channel.startsWith(prefix)) continue
            found.push({ name: roster.channel, subscribers: roster.members.size, users: roster.users.size })
          }
          return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, limit)
        })
    }
    return channels
  })
)
