/**
 * Typing (PROTOCOL.md §13): "someone is typing" reaches the other members' live sessions and is
 * never stored or replayed (ARCHITECTURE.md: stored nowhere, travels on the bus). At most one
 * frame per user and conversation is forwarded every 2 s, across the cluster. One node counts
 * and delivers here, to its own hub; several nodes share the count and the frames through Redis
 * (redisTyping.ts), as the bus shares stream entries.
 */
import { Context, Effect, Layer } from "effect"
import { Sessions } from "../stream/Sessions.js"
import { typingFrame } from "./encode.js"

/** At most one typing frame per user and conversation is forwarded within this long. */
export const TYPING_INTERVAL_MS = 2000

/** The Typing interface. */
export interface TypingShape {
  /**
   * Forwards `user`'s typing in `conversation` to the live sessions of `to` (the other
   * members), unless one was forwarded less than 2 s ago; answers whether it was.
   */
  readonly forward: (
    app: string,
    conversation: string,
    user: string,
    to: ReadonlyArray<string>
  ) => Effect.Effect<boolean>
}

/** The Typing service tag. */
export class Typing extends Context.Tag("@pushback/server/Typing")<Typing, TypingShape>() {}

/** The key of one user's typing in one conversation. */
export const typingKey = (app: string, conversation: string, user: string): string =>
  `${app}\u0000${conversation}\u0000${user}`

/** A throttle: true at most once per `TYPING_INTERVAL_MS` per key; forgets keys once they are stale. */
export const makeThrottle = (now: () => number = Date.now) => {
  const last = new Map<string, number>()
  return (key: string): boolean => {
    const t = now()
    const prior = last.get(key)
    if (prior !== undefined && t - prior < TYPING_INTERVAL_MS) return false
    if (last.size >= 10_000) for (const [k, at] of last) if (t - at >= TYPING_INTERVAL_MS) last.delete(k)
    last.set(key, t)
    return true
  }
}

/** One node: counts here and writes to this node's sessions. */
export const layerInProcessTyping = Layer.effect(
  Typing,
  Effect.gen(function* () {
    const sessions = yield* Sessions
    const allowed = makeThrottle()
    return {
      forward: (app, conversation, user, to) =>
        Effect.sync(() => {
          if (!allowed(typingKey(app, conversation, user))) return false
          sessions.signal(app, to, typingFrame(conversation, user))
          return true
        })
    }
  })
)
