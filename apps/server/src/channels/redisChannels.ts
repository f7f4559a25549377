/**
 * Channels across nodes over Redis (PROTOCOL.md §12). Every publication is numbered, kept and
 * published by one script (redisScripts.ts), so each node reads the publications of a channel
 * from its one pub/sub channel (`pushback:ch`) in offset order and hands them to its hub, the
 * publishing node included. Keys, under `pushback:ch:`:
 *
 *   m:{app}:{channel}  epoch and offset (lives `positionTtlSeconds` past the last use; a new
 *                      epoch when it is gone — Redis restarted or flushed)
 *   h:{app}:{channel}  the kept publications `[offset, at, user, data]`, capped, with the TTL
 *   i:{app}:{channel}:{key}  a publish's idempotency key → its offset and epoch
 *   p:{app}:{channel}  members: session id (or `poll:{user}`) → [user, node, info]
 *   u:{app}:{channel}  each member user's count;  a:{app}  the app's channels with members
 *   n:{node}           a node's members;  nodes  each node's last beat;  leases  long-poll expiries
 *
 * Each node beats every `beatMs`; any node removes the members of a node silent for `lifetimeMs`
 * (25 s: a dead node's members leave within 30 s) and the long-poll memberships that ran out. A
 * node starting again under the same id first removes what its last life left. After Redis
 * comes back a node writes its members again (telling no joins); positions lost with it give
 * new epochs, so clients are told `recovered: false`, never a silent gap.
 */
import { createHash } from "node:crypto"
import type { ChannelSummary, PresenceMember } from "@pushback/protocol"
import { Effect, Layer } from "effect"
import type { Redis } from "ioredis"
import { PREFIX, RedisConnections } from "../cluster/redis.js"
import { Config } from "../config/Config.js"
import { ApiError } from "../http/ApiError.js"
import { Channels, type ChannelsShape, newEpoch, readHistory, type StoredPublication } from "./Channels.js"
import { ChannelHub } from "./hub.js"
import { EXPIRE_LEASES, HISTORY, JOIN, LEAVE_ONE, PUBLISH, SWEEP_NODE } from "./redisScripts.js"

/** The pub/sub channel every node reads. */
const PUBSUB = `${PREFIX}ch`
const key = (kind: string, app: string, channel: string) => `${PREFIX}ch:${kind}:${app}:${channel}`

const unavailable = () =>
  new ApiError({ code: "unavailable", message: "the bus is unreachable", retryAfter: 1 })

/** Runs a script by its SHA1, loading it when Redis does not know it (first use, or after a restart). */
const script = (redis: Redis, lua: string) => {
  const sha = createHash("sha1").update(lua).digest("hex")
  return async (...args: ReadonlyArray<string | number>): Promise<unknown> => {
    try {
      return await redis.evalsha(sha, 0, ...args)
    } catch (e) {
      if (!String(e).includes("NOSCRIPT")) throw e
      return redis.eval(lua, 0, ...args)
    }
  }
}

/** Splits a pub/sub message into its first `n` lines and the rest. */
const lines = (text: string, n: number): Array<string> => {
  const out: Array<string> = []
  let from = 0
  for (let i = 0; i < n; i++) {
    const at = text.indexOf("\n", from)
    if (at < 0) return []
    out.push(text.slice(from, at))
    from = at + 1
  }
  out.push(text.slice(from))
  return out
}

/** Channels over Redis. */
export const layerRedisChannels = Layer.scoped(
  Channels,
  Effect.gen(function* () {
    // Chosen only when the node has Redis (layer.ts); optional here so the choice types on one node too.
    const connections = yield* Effect.serviceOption(RedisConnections)
    if (connections._tag === "None") return yield* Effect.dieMessage("channels over Redis need --redis")
    const { command, subscribe, onReconnect } = connections.value
    const hub = yield* ChannelHub
    const config = yield* Config
    const node = config.nodeId
    const settings = config.channels
    const run = {
      publish: script(command, PUBLISH),
      history: script(command, HISTORY),
      join: script(command, JOIN),
      leave: script(command, LEAVE_ONE),
      sweep: script(command, SWEEP_NODE),
      expire: script(command, EXPIRE_LEASES)
    }
    const call = <A>(work: () => Promise<A>) => Effect.tryPromise({ try: work, catch: unavailable })

    yield* subscribe(PUBSUB, (text) => {
      try {
        if (text.startsWith("p\n")) {
          const [, app, channel, epoch, offset, user, from, data] = lines(text, 7)
          if (data === undefined) return
          hub.publication({
            app: app!,
            channel: channel!,
            epoch: epoch!,
            offset: Number(offset),
            user: JSON.parse(user!) as string | null,
            from: from === "" ? null : from!,
            data
          })
          return
        }
        const [kind, app, channel, user, info] = JSON.parse(text) as [string, string, string, string, string]
        if (kind !== "j" && kind !== "l") return
        hub.member({
          kind: kind === "j" ? "join" : "leave",
          app,
          channel,
          user,
          info: info === "" ? null : info
        })
      } catch {
        // not a message of ours
      }
    })

    /** This node's members (not long-polls'), written again: at start and after Redis came back. */
    const rejoin = async (silent: boolean) => {
      for (const sub of hub.all()) {
        if (sub.session.transport === "poll") continue
        await run.join(
          PREFIX,
          PUBSUB,
          sub.app,
          sub.channel,
          sub.session.id,
          sub.session.user,
          sub.info ?? "",
          node,
          settings.presenceMembers * 2,
          Date.now(),
          silent ? "1" : "0"
        )
      }
    }
    const beat = async () => {
      const now = Date.now()
      // Newly listed: this node was swept while alive (it did not beat for lifetimeMs, a stall)
      // when another node marked it so; its members left, so they join again, told.
      if ((await command.zadd(`${PREFIX}ch:nodes`, now, node)) === 1) {
        if ((await command.del(`${PREFIX}ch:swept:${node}`)) === 1) await rejoin(false)
      }
      const cutoff = now - settings.lifetimeMs
      const dead = await command.zrangebyscore(`${PREFIX}ch:nodes`, "-inf", cutoff)
      for (const gone of dead) if (gone !== node) await run.sweep(PREFIX, PUBSUB, gone, cutoff, "1")
      await run.expire(PREFIX, PUBSUB, now)
    }
    // What a previous life of this node left goes first.
    yield* Effect.promise(() =>
      run.sweep(PREFIX, PUBSUB, node, Number.MAX_SAFE_INTEGER, "0").catch(() => undefined)
    )
    yield* Effect.promise(() => beat().catch(() => undefined))
    onReconnect(() => {
      void beat()
        .then(() => rejoin(true))
        .catch(() => undefined)
    })
    yield* Effect.acquireRelease(
      Effect.sync(() => setInterval(() => void beat().catch(() => undefined), settings.beatMs).unref()),
      (timer) =>
        Effect.promise(async () => {
          clearInterval(timer)
          // Leaving: this node's members leave now, not in 30 s.
          await run.sweep(PREFIX, PUBSUB, node, Number.MAX_SAFE_INTEGER, "0").catch(() => undefined)
        })
    )

    const channels: ChannelsShape = {
      publish: (app, channel, input) =>
        call(async () => {
          const idem =
            input.idempotencyKey === undefined ? "" : `${key("i", app, channel)}:${input.idempotencyKey}`
          const [offset, epoch] = (await run.publish(
            key("m", app, channel),
            key("h", app, channel),
            idem,
            newEpoch(),
            Math.max(settings.positionTtlSeconds, input.history.ttlSeconds),
            input.history.size,
            input.history.ttlSeconds,
            Date.now(),
            JSON.stringify(input.user),
            input.data,
            `p\n${app}\n${channel}\n`,
            input.from ?? "",
            PUBSUB,
            config.limits.idempotencyTtlSeconds
          )) as [string, string]
          return { offset: Number(offset), epoch }
        }),
      history: (app, channel, policy, since, limit) =>
        call(async () => {
          const [epoch, offset, entries] = (await run.history(
            key("m", app, channel),
            key("h", app, channel),
            newEpoch(),
            Math.max(settings.positionTtlSeconds, policy.ttlSeconds)
          )) as [string, string, Array<string>]
          const oldest = Date.now() - policy.ttlSeconds * 1000
          const kept: Array<StoredPublication> = []
          if (policy.size > 0 && policy.ttlSeconds > 0) {
            for (const entry of entries) {
              const [at, atMs, user, data] = JSON.parse(entry) as [number, number, string | null, unknown]
              if (atMs >= oldest) kept.push({ offset: at, user, data: JSON.stringify(data) })
            }
          }
          return readHistory({ epoch, offset: Number(offset) }, kept.slice(-policy.size), since, limit)
        }),
      join: (app, channel, member, maxUsers) =>
        call(async () => {
          const lease = member.leaseMs === undefined ? Date.now() : Date.now() + member.leaseMs
          const answer = await run.join(
            PREFIX,
            PUBSUB,
            app,
            channel,
            member.key,
            member.user,
            member.info ?? "",
            member.leaseMs === undefined ? node : "",
            maxUsers,
            lease,
            "0"
          )
          return Number(answer) < 0 ? ("full" as const) : ("joined" as const)
        }),
      leave: (app, channel, memberKey) =>
        Effect.promise(() => run.leave(PREFIX, PUBSUB, app, channel, memberKey).catch(() => undefined)).pipe(
          Effect.asVoid
        ),
      presence: (app, channel) =>
        call(async () => {
          const [members, users] = await Promise.all([
            command.hgetall(key("p", app, channel)),
            command.hgetall(key("u", app, channel))
          ])
          const info = new Map<string, string>()
          for (const text of Object.values(members)) {
            const [user, , given] = JSON.parse(text) as [string, string, string]
            if (given !== "" && !info.has(user)) info.set(user, given)
          }
          return Object.entries(users).map(
            ([id, n]): PresenceMember => ({
              id,
              info: JSON.parse(info.get(id) ?? "null"),
              sessions: Number(n)
            })
          )
        }),
      active: (app, prefix, limit) =>
        call(async () => {
          const names =
            prefix === ""
              ? await command.zrangebylex(`${PREFIX}ch:a:${app}`, "-", "+", "LIMIT", 0, limit)
              : await command.zrangebylex(
                  `${PREFIX}ch:a:${app}`,
                  `[${prefix}`,
                  `[${prefix}\u00ff`,
                  "LIMIT",
                  0,
                  limit
                )
          const p = command.pipeline()
          for (const name of names) p.hlen(key("p", app, name)).hlen(key("u", app, name))
          const counts = ((await p.exec()) ?? []).map(([, n]) => Number(n))
          return names.map(
            (name, i): ChannelSummary => ({ name, subscribers: counts[2 * i]!, users: counts[2 * i + 1]! })
          )
        })
    }
    return channels
  })
)
