/**
 * The Bus over Redis pub/sub, for several nodes. Every node subscribes to one channel for
 * its whole life and picks out the entries of its own sessions; a notify's entries travel as
 * its shared part once plus each recipient's user and seq, and the origin node delivers to
 * its own sessions directly. Why one always-subscribed channel and not a channel per user:
 * a session never waits for a SUBSCRIBE before reading its backlog, so no entry can slip
 * between the two; docs/deploy.md gives the measurement. The messages published in one turn of
 * the event loop travel as one array in one PUBLISH (a node also reads a lone message, as nodes
 * of earlier versions send them, so a rolling upgrade loses no live frame from old to new).
 */
import { Effect, Layer } from "effect"
import { Bus, type BusShape } from "./Bus.js"
import { Config } from "../../config/Config.js"
import { notificationEntry, recipientId, SharedBody } from "../../notify/Encode.js"
import { Metrics } from "../../stats/Metrics.js"
import { Sessions, type SessionsShape } from "../../stream/Sessions.js"
import type { StreamEntry } from "../../notify/Encode.js"
import { PREFIX, RedisConnections } from "../redis.js"

/** The bus channel. */
export const BUS_CHANNEL = `${PREFIX}bus`

/** One bus message: from node `n`, for app `a`, a call (`c`) or whole entries (`e`). */
interface Message {
  readonly n: string
  readonly a: string
  readonly c?: readonly [
    stem: string,
    shared: string,
    users: ReadonlyArray<string>,
    seqs: ReadonlyArray<number>,
    /** Each recipient's topic (PROTOCOL.md §11), when any was reached through one. */
    topics?: ReadonlyArray<string | null>
  ]
  readonly e?: ReadonlyArray<readonly [user: string, seq: number, payload: string]>
  /** A frame that is no entry (typing) for these users' live sessions; older nodes ignore it. */
  readonly s?: readonly [users: ReadonlyArray<string>, frame: string]
}

/** The entries of `message` whose users have a session on this node. */
const localEntries = (sessions: SessionsShape, m: Message): Array<StreamEntry> => {
  const out: Array<StreamEntry> = []
  if (m.c !== undefined) {
    const [stem, shared, users, seqs, topics] = m.c
    const body = new SharedBody(shared)
    for (let i = 0; i < users.length; i++) {
      const user = users[i]!
      if (!sessions.isOnline(m.a, user)) continue
      const seq = seqs[i]!
      out.push(notificationEntry(seq, recipientId(stem, i), user, body, topics?.[i] ?? null))
    }
  }
  for (const [user, seq, payload] of m.e ?? []) {
    if (sessions.isOnline(m.a, user)) out.push({ user, seq, payload })
  }
  return out
}

/** A call's part of a bus message: its shared part once, each recipient's user, seq and topic. */
const callMessage = (
  call: { readonly stem: string; readonly shared: string },
  entries: ReadonlyArray<StreamEntry>
): NonNullable<Message["c"]> => {
  const topics = entries.map((e) => e.notification?.topic ?? null)
  const base = [call.stem, call.shared, entries.map((e) => e.user), entries.map((e) => e.seq)] as const
  return topics.some((t) => t !== null) ? [...base, topics] : base
}

/** The Redis bus. */
export const layerRedisBus = Layer.effect(
  Bus,
  Effect.gen(function* () {
    const redis = yield* RedisConnections
    const sessions = yield* Sessions
    const metrics = yield* Metrics
    const node = (yield* Config).nodeId
    // Every node reads its own messages back: their first characters tell, before any parsing
    // (a turn's array of messages, each from this node, `n` first).
    const own = `[{"n":${JSON.stringify(node)},`
    yield* redis.subscribe(BUS_CHANNEL, (text) => {
      if (text.startsWith(own)) return
      let parsed: Message | ReadonlyArray<Message>
      try {
        parsed = JSON.parse(text) as Message | ReadonlyArray<Message>
      } catch {
        return // not ours
      }
      // A turn's messages in one array; a lone object from a node of an earlier version.
      for (const m of Array.isArray(parsed) ? parsed : [parsed as Message]) {
        if (m === null || typeof m !== "object" || m.n === node || typeof m.a !== "string") continue
        metrics.counters.busReceived++
        const entries = localEntries(sessions, m)
        if (entries.length > 0) sessions.deliver(m.a, entries)
        if (Array.isArray(m.s) && Array.isArray(m.s[0])) sessions.signal(m.a, m.s[0], String(m.s[1]))
      }
    })
    // The messages of one turn of the event loop go out as one PUBLISH on the next.
    let outgoing: Array<Message> = []
    const send = () => {
      const batch = outgoing
      outgoing = []
      redis.command.publish(BUS_CHANNEL, JSON.stringify(batch)).then(
        () => {
          metrics.counters.busPublished += batch.length
        },
        () => {
          metrics.counters.busFailed += batch.length
        }
      )
    }
    return {
      publish: (app, entries, call) => {
        sessions.deliver(app, entries)
        const m: Message =
          call === undefined
            ? { n: node, a: app, e: entries.map((e) => [e.user, e.seq, e.payload] as const) }
            : {
                n: node,
                a: app,
                c: callMessage(call, entries)
              }
        if (outgoing.push(m) === 1) setImmediate(send)
      },
      signal: (app, users, frame) =>
        Effect.sync(() => {
          sessions.signal(app, users, frame)
          if (outgoing.push({ n: node, a: app, s: [users, frame] }) === 1) setImmediate(send)
        }),
      ping: Effect.sync(redis.ready)
    } satisfies BusShape
  })
)
