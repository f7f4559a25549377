/**
 * Typing (PROTOCOL.md §13): "someone is typing" reaches the other members' live sessions and is
 * never stored or replayed (ARCHITECTURE.md: stored nowhere, travels on the bus). At most one
 * frame per user and conversation is forwarded every 2 s, across the cluster. This service is
 * that allowance — counted here on one node, in Redis on several (redisTyping.ts) — and hands
 * each frame it allows to the bus (`Bus.signal`: this node's hub, and every node's through Redis).
 */
import { Context, Effect, Layer } from "effect"
import { Bus, type BusShape } from "../cluster/bus/Bus.js"
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

/** Typing over an allowance (`allowed`: whether a key may be forwarded now) and the bus. */
export const makeTyping = (bus: BusShape, allowed: (key: string) => Effect.Effect<boolean>): TypingShape => ({
  forward: (app, conversation, user, to) =>
    Effect.flatMap(allowed(typingKey(app, conversation, user)), (ok) =>
      ok ? Effect.as(bus.signal(app, to, typingFrame(conversation, user)), true) : Effect.succeed(false)
    )
})

/** One node: the allowance is counted here. */
export const layerInProcessTyping = Layer.effect(
  Typing,
  Effect.gen(function* () {
    const allowed = makeThrottle()
    return makeTyping(yield* Bus, (key) => Effect.sync(() => allowed(key)))
  })
)
