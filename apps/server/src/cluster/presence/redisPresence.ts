/**
 * Presence across nodes. Each node mirrors its hub into Redis (presenceMirror.ts) and keeps a
 * copy of the other live nodes' users, current with the changes they publish (presenceCopies.ts).
 * Questions are answered from this node's hub plus those copies; while a copy is not current,
 * from the other nodes' keys in one pipeline (for `onlineOf`, one for all the calls of a turn of
 * the event loop). While Redis is unreachable a node answers for itself, and after a reconnect
 * it writes its whole mirror again.
 */
import { Effect, Layer } from "effect"
import { lift, type Plain, runPlain } from "../../http/plain.js"
import { Config } from "../../config/Config.js"
import { type Census, type ConnectionInfo, hubPresence, Presence, type PresenceShape } from "./Presence.js"
import { Sessions, type TransportName } from "../../stream/Sessions.js"
import { RedisConnections } from "../redis.js"
import { perTurnLoader } from "../../batching/perTurn.js"
import {
  type Copy,
  makePresenceCopies,
  PRESENCE_CHANNEL,
  type PresenceChange,
  sessionsIn
} from "./presenceCopies.js"
import { LIFETIME_MS, makeMirror, NODES, sessionsKey, usersKey } from "./presenceMirror.js"

/** How long the list of live nodes is reused (a new node counts within a second). */
const NODES_CACHE_MS = 1000

/** Presence over Redis. */
export const layerRedisPresence = Layer.scoped(
  Presence,
  Effect.gen(function* () {
    const { command, onReconnect, subscribe, ready } = yield* RedisConnections
    const sessions = yield* Sessions
    const node = (yield* Config).nodeId
    const local = hubPresence(sessions, node)

    const mirror = makeMirror(command, sessions, node)
    const copies = makePresenceCopies(node, command, usersKey)
    yield* subscribe(PRESENCE_CHANNEL, (text) => {
      try {
        copies.received(JSON.parse(text) as PresenceChange)
      } catch {
        // not ours
      }
    })
    onReconnect(() => {
      copies.forget()
      mirror.rewrite()
    })
    yield* Effect.acquireRelease(Effect.sync(mirror.start), () => Effect.promise(mirror.leave))

    /** The other nodes that beat within the lifetime, read at most once a second. */
    let known: { at: number; nodes: ReadonlyArray<string> } | undefined
    const others = (): Plain<ReadonlyArray<string>> =>
      known !== undefined && Date.now() - known.at < NODES_CACHE_MS
        ? known.nodes
        : command.zrangebyscore(NODES, Date.now() - LIFETIME_MS, "+inf").then((all) => {
            const nodes = all.filter((n) => n !== node)
            known = { at: Date.now(), nodes }
            return nodes
          })
    /** The copies of the other live nodes' users, when every one is current. */
    const current = (nodes: ReadonlyArray<string>) => (ready() ? copies.current(nodes) : undefined)
    /**
     * This node's answer with the other live nodes': from their copies when `copied` can and
     * they are current, else by `ask` on their keys; this node's answer alone without Redis, or
     * when `whole` says it already is the whole answer. Plain: with the list of nodes and their
     * copies current, a notify's question is answered at once.
     */
    const across = <A>(
      mine: A,
      ask: (others: ReadonlyArray<string>, mine: A) => Promise<A>,
      copied?: (held: ReadonlyArray<Copy>, mine: A) => A,
      whole?: (mine: A) => boolean
    ): Plain<A> => {
      if (whole?.(mine)) return mine
      const settle = (nodes: ReadonlyArray<string>): Plain<A> => {
        if (nodes.length === 0) return mine
        const held = copied === undefined ? undefined : current(nodes)
        return held === undefined ? ask(nodes, mine).catch(() => mine) : copied!(held, mine)
      }
      const nodes = others()
      return Array.isArray(nodes)
        ? settle(nodes)
        : (nodes as Promise<ReadonlyArray<string>>).then(settle, () => mine)
    }
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
      Effect.flatMap(lift(others), (nodes) => {
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
        across(
          local.onlineOf(app, users),
          (_, mine) => {
            const rest = users.filter((u) => !mine.has(u))
            return runPlain(
              Effect.map(
                Effect.forEach(rest, (user) => elsewhere(`${app}\u0000${user}`), {
                  concurrency: "unbounded"
                }),
                (found) => new Set([...mine, ...rest.filter((_, i) => found[i] === true)])
              )
            )
          },
          (held, mine) => new Set(users.filter((u) => mine.has(u) || sessionsIn(held, app, u) > 0)),
          // every recipient is online here (mine ⊆ users): the other nodes cannot add one
          (mine) => mine.size === users.length
        ),
      onlineUsers: (app) =>
        across(
          local.onlineUsers(app),
          async (nodes, mine) => {
            const p = command.pipeline()
            for (const n of nodes) p.hkeys(usersKey(n, app))
            return [...new Set([...mine, ...(await results<Array<string>>(p)).flat()])]
          },
          (held, mine) => [
            ...new Set([...mine, ...held.flatMap((c) => [...(c.apps.get(app)?.keys() ?? [])])])
          ]
        ),
      sessionsOf: (app, user) =>
        lift(() =>
          across(
            local.sessionsOf(app, user),
            async (nodes, mine) => {
              const p = command.pipeline()
              for (const n of nodes) p.hget(usersKey(n, app), user)
              return (await results<string | null>(p)).reduce((sum, c) => sum + Number(c ?? 0), mine)
            },
            (held, mine) => mine + sessionsIn(held, app, user)
          )
        ),
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
        lift(() =>
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
        )
    }
    return presence
  })
)
