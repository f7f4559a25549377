/**
 * Typing over Redis, for several nodes (Typing.ts): the 2 s allowance of a user in a
 * conversation is one key set with `NX PX 2000`, so a user typing into two tabs on two nodes is
 * forwarded once; a forwarded frame is written to this node's sessions and published on one
 * channel every node listens to, like the bus's (cluster/bus/redisBus.ts), each node writing it
 * to its own sessions of the recipients. Nothing is stored: a frame lost with Redis is only a
 * missed "typing…".
 */
import { Effect, Layer } from "effect"
import { Config } from "../config/Config.js"
import { PREFIX, RedisConnections } from "../cluster/redis.js"
import { Sessions } from "../stream/Sessions.js"
import { typingFrame } from "./encode.js"
import { TYPING_INTERVAL_MS, Typing, typingKey } from "./Typing.js"

/** The channel typing frames travel on. */
export const TYPING_CHANNEL = `${PREFIX}typing`

/** One message: from node `n`, for app `a`, the frame `f` to the users `u`. */
interface Message {
  readonly n: string
  readonly a: string
  readonly u: ReadonlyArray<string>
  readonly f: string
}

/** The Redis layer of Typing. */
export const layerRedisTyping = Layer.effect(
  Typing,
  Effect.gen(function* () {
    const redis = yield* RedisConnections
    const sessions = yield* Sessions
    const node = (yield* Config).nodeId
    yield* redis.subscribe(TYPING_CHANNEL, (text) => {
      let m: Message
      try {
        m = JSON.parse(text) as Message
      } catch {
        return
      }
      if (m === null || typeof m !== "object" || m.n === node || !Array.isArray(m.u)) return
      sessions.signal(String(m.a), m.u, String(m.f))
    })
    return {
      forward: (app, conversation, user, to) =>
        Effect.gen(function* () {
          const key = `${PREFIX}typing:${typingKey(app, conversation, user)}`
          const set = yield* Effect.promise(() =>
            redis.command.set(key, "1", "PX", TYPING_INTERVAL_MS, "NX").catch(() => null)
          )
          if (set !== "OK") return false
          const frame = typingFrame(conversation, user)
          sessions.signal(app, to, frame)
          const m: Message = { n: node, a: app, u: to, f: frame }
          redis.command.publish(TYPING_CHANNEL, JSON.stringify(m)).catch(() => undefined)
          return true
        })
    }
  })
)
