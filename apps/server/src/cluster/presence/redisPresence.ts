/**
 * Presence across nodes. Each node mirrors its hub into Redis under keys of its own — per
 * app, a hash of user → session count and a hash of session → (user, transport, since) —
 * and beats in a sorted set of nodes. Keys live 25 s past the last beat, so a node that dies
 * takes its sessions with it within 30 s (PROTOCOL.md §6). Questions are answered from this node's hub plus
 * the other live nodes' keys, in one pipeline (for `onlineOf`, one for all the calls of a turn of
 * the event loop); while Redis is unreachable a node answers for
 * itself, and after a reconnect it writes its whole mirror again.
 */
import { Effect, Layer } from "effect"
import { Config } from "../../config/Config.js"
import { type Census, type ConnectionInfo, localPresence, Presence, type PresenceShape } from "./Presence.js"
import { type Session, Sessions, type TransportName } from "../../stream/Sessions.js"
import { PREFIX, RedisConnections } from "../redis.js"
import { perTurnLoader } from "../../batching/perTurn.js"

/** How often a node beats; its keys outlive the last beat by `LIFETIME_MS`. */
const BEAT_MS = 5000
/** How long a silent node's sessions still count (five missed beats; §6 allows 30 s). */
const LIFETIME_MS = 25_000
/** How long the list of live nodes is reused (a new node counts within a second). */
const NODES_CACHE_MS = 1000
const NODES = `${PREFIX}nodes`
const usersKey = (node: string, app: string) => `${PREFIX}users:${node}:${app}`
const sessionsKey = (node: string, app: string) => `${PREFIX}sessions:${node}:${app}`

const describe = (s: Session): string => JSON.stringify([s.user, s.transport, s.openedAt])

/** Presence over Redis. */
export const layerRedisPresence = Layer.scoped(
  Presence,
  Effect.gen(function* () {
    const { command, onReconnect } = yield* RedisConnections
    const sessions = yield* Sessions
    const node = (yield* Config).nodeId
    const local = localPresence(sessions, node)

    // Mirror: changes since the last flush, written together on the next turn.
    const dirtyUsers = new Map<string, Set<string>>()
    const changed = new Map<string, Map<string, Session | null>>()
    const mirrored = new Set<string>() // apps with keys of this node
    let scheduled = false
    let whole = true // write everything (start, or after losing Redis)

    const flush = () => {
      scheduled = false
      const p = command.pipeline()
      const touched = new Set([...dirtyUsers.keys(), ...changed.keys()])
      if (whole) {
        whole = false
        for (const app of mirrored) p.del(usersKey(node, app), sessionsKey(node, app))
        mirrored.clear()
        dirtyUsers.clear()
        changed.clear()
        for (const s of sessions.list()) {
          p.hset(usersKey(node, s.app), s.user, sessions.sessionsOf(s.app, s.user))
          p.hset(sessionsKey(node, s.app), s.id, describe(s))
          mirrored.add(s.app)
          touched.add(s.app)
        }
      }
      for (const [app, users] of dirtyUsers) {
        for (const user of users) {
          const n = sessions.sessionsOf(app, user)
          if (n > 0) p.hset(usersKey(node, app), user, n)
          else p.hdel(usersKey(node, app), user)
        }
        mirrored.add(app)
      }
      for (const [app, byId] of changed) {
        for (const [id, s] of byId) {
          if (s !== null) p.hset(sessionsKey(node, app), id, describe(s))
          else p.hdel(sessionsKey(node, app), id)
        }
      }
      for (const app of touched) {
        p.pexpire(usersKey(node, app), LIFETIME_MS)
        p.pexpire(sessionsKey(node, app), LIFETIME_MS)
      }
      dirtyUsers.clear()
      changed.clear()
      p.exec().catch(() => {
        whole = true // Redis lost what it had or never got it: write it all when it is back
      })
    }
    const schedule = () => {
      if (scheduled) return
      scheduled = true
      setImmediate(flush)
    }
    sessions.onChange((s, joined) => {
      const users = dirtyUsers.get(s.app) ?? new Set<string>()
      dirtyUsers.set(s.app, users.add(s.user))
      const byId = changed.get(s.app) ?? new Map<string, Session | null>()
      changed.set(s.app, byId.set(s.id, joined ? s : null))
      schedule()
    })
    onReconnect(() => {
      whole = true
      schedule()
    })

    const beat = () => {
      const now = Date.now()
      const p = command
        .pipeline()
        .zadd(NODES, now, node)
        .zremrangebyscore(NODES, 0, now - 2 * LIFETIME_MS)
      for (const app of mirrored) {
        p.pexpire(usersKey(node, app), LIFETIME_MS)
        p.pexpire(sessionsKey(node, app), LIFETIME_MS)
      }
      p.exec().catch(() => {
        whole = true
      })
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        schedule()
        beat()
        return setInterval(beat, BEAT_MS).unref()
      }),
      (timer) =>
        Effect.promise(async () => {
          clearInterval(timer)
          // Leaving: this node's sessions stop counting now, not in 30 s.
          const p = command.pipeline().zrem(NODES, node)
          for (const app of mirrored) p.del(usersKey(node, app), sessionsKey(node, app))
          await p.exec().catch(() => undefined)
        })
    )

    /** The other nodes that beat within the lifetime, read at most once a second. */
    let known: { at: number; nodes: ReadonlyArray<string> } | undefined
    const others = (): Effect.Effect<ReadonlyArray<string>, unknown> =>
      known !== undefined && Date.now() - known.at < NODES_CACHE_MS
        ? Effect.succeed(known.nodes)
        : Effect.tryPromise(() => command.zrangebyscore(NODES, Date.now() - LIFETIME_MS, "+inf")).pipe(
            Effect.map((all) => {
              const nodes = all.filter((n) => n !== node)
              known = { at: Date.now(), nodes }
              return nodes
            })
          )
    /** `ask` on every other live node, or `fallback` (this node's answer only) without Redis. */
    const across = <A>(mine: Effect.Effect<A>, ask: (others: ReadonlyArray<string>, mine: A) => Promise<A>) =>
      Effect.flatMap(mine, (m) =>
        others().pipe(
          Effect.flatMap((nodes) =>
            nodes.length === 0 ? Effect.succeed(m) : Effect.tryPromise(() => ask(nodes, m))
          ),
          Effect.orElseSucceed(() => m)
        )
      )
    const results = async <A>(p: ReturnType<typeof command.pipeline>): Promise<Array<A>> =>
      ((await p.exec()) ?? []).map(([error, value]) => {
        if (error) throw error
        return value as A
      })

    /**
     * Whether each `app \0 user` asked in one turn (the notify calls of that turn) has a session
     * on another live node: one pipeline for the turn, an HMGET per app and node.
     */
    const elsewhere = perTurnLoader((keys) =>
      Effect.flatMap(others(), (nodes) => {
        const found = new Map<string, boolean>()
        if (nodes.length === 0) return Effect.succeed(found)
        const byApp = new Map<string, Array<string>>()
        for (const key of keys) {
          const at = key.indexOf("\u0000")
          const app = key.slice(0, at)
          byApp.set(app, [...(byApp.get(app) ?? []), key.slice(at + 1)])
        }
        return Effect.tryPromise(async () => {
          const p = command.pipeline()
          const asked: Array<[string, ReadonlyArray<string>]> = []
          for (const [app, users] of byApp) {
            for (const n of nodes) {
              p.hmget(usersKey(n, app), ...users)
              asked.push([app, users])
            }
          }
          ;(await results<Array<string | null>>(p)).forEach((counts, i) => {
            const [app, users] = asked[i]!
            counts.forEach((c, j) => {
              if (c !== null) found.set(`${app}\u0000${users[j]!}`, true)
            })
          })
          return found
        })
      })
    )

    const presence: PresenceShape = {
      onlineOf: (app, users) =>
        Effect.flatMap(local.onlineOf(app, users), (mine) => {
          const rest = users.filter((u) => !mine.has(u))
          if (rest.length === 0) return Effect.succeed(mine)
          return Effect.forEach(rest, (user) => elsewhere(`${app}\u0000${user}`), {
            concurrency: "unbounded"
          }).pipe(
            Effect.map((found) => {
              const online = new Set(mine)
              found.forEach((yes, i) => {
                if (yes === true) online.add(rest[i]!)
              })
              return online
            }),
            Effect.orElseSucceed(() => mine)
          )
        }),
      onlineUsers: (app) =>
        across(local.onlineUsers(app), async (nodes, mine) => {
          const p = command.pipeline()
          for (const n of nodes) p.hkeys(usersKey(n, app))
          return [...new Set([...mine, ...(await results<Array<string>>(p)).flat()])]
        }),
      sessionsOf: (app, user) =>
        across(local.sessionsOf(app, user), async (nodes, mine) => {
          const p = command.pipeline()
          for (const n of nodes) p.hget(usersKey(n, app), user)
          return (await results<string | null>(p)).reduce((sum, c) => sum + Number(c ?? 0), mine)
        }),
      census: (app) =>
        Effect.map(presence.connections(app), (all): Census => {
          const byTransport: Record<TransportName, number> = { ws: 0, sse: 0, poll: 0 }
          const byNode: Record<string, number> = {}
          for (const c of all) {
            byTransport[c.transport]++
            byNode[c.node] = (byNode[c.node] ?? 0) + 1
          }
          return {
            connections: all.length,
            onlineUsers: new Set(all.map((c) => c.user)).size,
            byTransport,
            byNode
          }
        }),
      connections: (app) =>
        across(local.connections(app), async (nodes, mine) => {
          const p = command.pipeline()
          for (const n of nodes) p.hgetall(sessionsKey(n, app))
          const all: Array<ConnectionInfo> = [...mine]
          ;(await results<Record<string, string>>(p)).forEach((byId, i) => {
            for (const [session, text] of Object.entries(byId)) {
              const [user, transport, since] = JSON.parse(text) as [string, TransportName, string]
              all.push({ session, user, transport, node: nodes[i]!, since })
            }
          })
          return all
        })
    }
    return presence
  })
)
