/**
 * Presence answered from memory (issue 22): each node keeps a copy of the other live nodes'
 * online users, so that a notify's `online` costs no Redis round trip. Every node numbers the
 * changes it writes to its presence keys and publishes each with them, atomically
 * (redisPresence.ts); a copy is read from those keys and then follows the published changes.
 * A copy is used only while it provably has every change: a gap in the numbers, a restart of
 * its node, a rewrite of its keys or a lost subscription drops it, and until it is read again
 * questions go to Redis's keys as before.
 */
import type { Redis } from "ioredis"
import { PREFIX } from "../redis.js"

/** The channel the changes travel on. */
export const PRESENCE_CHANNEL = `${PREFIX}presence`
/** A node's `incarnation version`: which process wrote its keys, and its last change's number. */
export const stateKey = (node: string) => `${PREFIX}pstate:${node}`
/** The apps a node has presence keys for. */
export const appsKey = (node: string) => `${PREFIX}papps:${node}`

/**
 * A published change: node `n`, its incarnation `i` (one per process), the change's number `v`;
 * `u`: per app, the users whose session count changed and their count now (0: gone). Without
 * `u` it is a beat (nothing changed since `v`). `r`: the node rewrote all its keys.
 */
export interface PresenceChange {
  readonly n: string
  readonly i: string
  readonly v: number
  readonly u?: Readonly<Record<string, ReadonlyArray<readonly [user: string, sessions: number]>>>
  readonly r?: 1
}

/** One other node's users with live sessions, by app, as of its change `version`. */
export interface Copy {
  readonly incarnation: string
  version: number
  readonly apps: Map<string, Map<string, number>>
}

/** How soon a node's copy is read again after a read began (a node that is starting, or gone). */
const READ_AGAIN_MS = 200

const apply = (copy: Copy, m: PresenceChange) => {
  for (const [app, users] of Object.entries(m.u ?? {})) {
    const counts = copy.apps.get(app) ?? new Map<string, number>()
    copy.apps.set(app, counts)
    for (const [user, n] of users) {
      if (n > 0) counts.set(user, n)
      else counts.delete(user)
    }
  }
  copy.version = m.v
}

/**
 * The copies of the other nodes' presence. `received` takes every message of the channel;
 * `current(nodes)` answers the copies of those nodes when every one is current, and otherwise
 * starts reading the missing ones and answers undefined.
 */
export const makePresenceCopies = (
  self: string,
  command: Redis,
  usersKey: (node: string, app: string) => string
) => {
  const copies = new Map<string, Copy>()
  /** Nodes being read, with the changes received meanwhile; when each read began. */
  const reading = new Map<string, Array<PresenceChange>>()
  const began = new Map<string, number>()
  /** Moves when the subscription was lost: a read begun before may lack changes it missed. */
  let generation = 0

  const read = (node: string) => {
    const pending: Array<PresenceChange> = []
    reading.set(node, pending)
    began.set(node, Date.now())
    const startedIn = generation
    const run = async () => {
      // The number first, then the keys: a change after the number is also in `pending`, and a
      // change carries its users' counts as they are, so applying it again over newer keys is right.
      const [state, apps] = ((await command.pipeline().get(stateKey(node)).smembers(appsKey(node)).exec()) ??
        []) as Array<[Error | null, unknown]>
      if (state?.[0] || apps?.[0] || typeof state?.[1] !== "string") return undefined
      const [incarnation = "", version = ""] = state[1].split(" ")
      const names = apps![1] as Array<string>
      const p = command.pipeline()
      for (const app of names) p.hgetall(usersKey(node, app))
      const copy: Copy = { incarnation, version: Number(version), apps: new Map() }
      ;((await p.exec()) ?? []).forEach(([error, value], i) => {
        if (error) throw error
        const counts = Object.entries(value as Record<string, string>).map(
          ([u, n]) => [u, Number(n)] as const
        )
        copy.apps.set(names[i]!, new Map(counts))
      })
      for (const m of pending) {
        if (m.i !== copy.incarnation || m.r === 1) return undefined
        if (m.u === undefined && m.v > copy.version) return undefined // a beat past a change not seen
        if (m.v <= copy.version || m.u === undefined) continue
        if (m.v !== copy.version + 1) return undefined
        apply(copy, m)
      }
      return copy
    }
    run().then(
      (copy) => {
        reading.delete(node)
        if (copy !== undefined && startedIn === generation) copies.set(node, copy)
      },
      () => reading.delete(node) // Redis unreachable: the next question reads again
    )
  }

  return {
    received: (m: PresenceChange) => {
      if (m.n === self) return
      const pending = reading.get(m.n)
      if (pending !== undefined) {
        pending.push(m)
        return
      }
      const copy = copies.get(m.n)
      if (copy === undefined) return
      const next = m.u !== undefined && m.r !== 1 && m.i === copy.incarnation && m.v === copy.version + 1
      const beat = m.u === undefined && m.r !== 1 && m.i === copy.incarnation && m.v === copy.version
      if (next) apply(copy, m)
      else if (!beat) copies.delete(m.n) // a change was missed, or the node restarted
    },
    /** Every copy may have missed changes (the subscription was lost). */
    forget: () => {
      generation++
      copies.clear()
    },
    current: (nodes: ReadonlyArray<string>): ReadonlyArray<Copy> | undefined => {
      for (const node of copies.keys()) if (!nodes.includes(node)) copies.delete(node)
      const held: Array<Copy> = []
      let all = true
      for (const node of nodes) {
        const copy = copies.get(node)
        if (copy !== undefined) held.push(copy)
        else {
          all = false
          if (!reading.has(node) && Date.now() - (began.get(node) ?? 0) >= READ_AGAIN_MS) read(node)
        }
      }
      return all ? held : undefined
    }
  }
}

/** Sessions of `user` in `app` on the nodes of `copies`. */
export const sessionsIn = (copies: ReadonlyArray<Copy>, app: string, user: string): number => {
  let n = 0
  for (const c of copies) n += c.apps.get(app)?.get(user) ?? 0
  return n
}
