/**
 * A node's presence written to Redis, for the other nodes (redisPresence.ts): per app, a hash
 * of user → session count and a hash of session → (user, transport, since), and the node's
 * beat in a sorted set of nodes. Keys live 25 s past the last beat, so a node that dies takes
 * its sessions with it within 30 s (PROTOCOL.md §6). The changes of one turn of the event loop
 * are written together in one transaction with their number, and published: that is what the
 * other nodes' copies follow (presenceCopies.ts).
 */
import { randomBytes } from "node:crypto"
import type { Redis } from "ioredis"
import type { Session, SessionsShape } from "../../stream/Sessions.js"
import { PREFIX } from "../redis.js"
import { appsKey, PRESENCE_CHANNEL, type PresenceChange, stateKey } from "./presenceCopies.js"

/** How often a node beats; its keys outlive the last beat by `LIFETIME_MS`. */
const BEAT_MS = 5000
/** How long a silent node's sessions still count (five missed beats; §6 allows 30 s). */
export const LIFETIME_MS = 25_000
/** The sorted set of nodes by their last beat. */
export const NODES = `${PREFIX}nodes`
export const usersKey = (node: string, app: string) => `${PREFIX}users:${node}:${app}`
export const sessionsKey = (node: string, app: string) => `${PREFIX}sessions:${node}:${app}`

const describe = (s: Session): string => JSON.stringify([s.user, s.transport, s.openedAt])

/**
 * Mirrors `sessions` into Redis as node `node`: `start` writes everything and beats, `rewrite`
 * writes everything again (Redis may have lost it), `leave` removes the node's keys.
 */
export const makeMirror = (command: Redis, sessions: SessionsShape, node: string) => {
  // Changes since the last flush, written together on the next turn.
  const dirtyUsers = new Map<string, Set<string>>()
  const changed = new Map<string, Map<string, Session | null>>()
  const mirrored = new Set<string>() // apps with keys of this node
  let scheduled = false
  let whole = true // write everything (start, or after losing Redis)
  // This process's changes are numbered from 1; another process of the same node id starts over.
  const incarnation = randomBytes(6).toString("base64url")
  let version = 0
  const publish = (p: ReturnType<Redis["pipeline"]>, change: Omit<PresenceChange, "n" | "i" | "v">) =>
    p.publish(PRESENCE_CHANNEL, JSON.stringify({ n: node, i: incarnation, v: version, ...change }))

  const flush = () => {
    scheduled = false
    // One transaction: the keys, the change's number and the change itself, so a node that
    // reads the number also reads every change up to it in the keys.
    const p = command.multi()
    const touched = new Set([...dirtyUsers.keys(), ...changed.keys()])
    const rewrite = whole
    const counts: Record<string, Array<readonly [string, number]>> = {}
    if (whole) {
      whole = false
      for (const app of mirrored) p.del(usersKey(node, app), sessionsKey(node, app))
      p.del(appsKey(node))
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
      const now: Array<readonly [string, number]> = []
      counts[app] = now
      for (const user of users) {
        const n = sessions.sessionsOf(app, user)
        if (n > 0) p.hset(usersKey(node, app), user, n)
        else p.hdel(usersKey(node, app), user)
        now.push([user, n])
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
    version++
    p.set(stateKey(node), `${incarnation} ${version}`, "PX", LIFETIME_MS)
    if (mirrored.size > 0) p.sadd(appsKey(node), ...mirrored).pexpire(appsKey(node), LIFETIME_MS)
    publish(p, rewrite ? { r: 1 } : { u: counts })
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
    p.pexpire(stateKey(node), LIFETIME_MS).pexpire(appsKey(node), LIFETIME_MS)
    // The last change's number: a node that missed it drops its copy within a beat.
    publish(p, {})
    p.exec().catch(() => {
      whole = true
    })
  }
  let timer: NodeJS.Timeout | undefined
  return {
    start: () => {
      schedule()
      beat()
      timer = setInterval(beat, BEAT_MS).unref()
    },
    rewrite: () => {
      whole = true
      schedule()
    },
    /** Leaving: this node's sessions stop counting now, not in 30 s. */
    leave: async () => {
      clearInterval(timer)
      const p = command.pipeline().zrem(NODES, node)
      for (const app of mirrored) p.del(usersKey(node, app), sessionsKey(node, app))
      version++
      publish(p.del(stateKey(node), appsKey(node)), { r: 1 })
      await p.exec().catch(() => undefined)
    }
  }
}
