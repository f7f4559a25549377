/**
 * Bus: carries committed stream entries to whichever node holds the users' sessions.
 * Storage is the source of truth; the bus only wakes sessions up, and a lost message is
 * repaired from storage (cluster/repair.ts). One node hands entries straight to its hub;
 * several nodes also share them through Redis (cluster/redisBus.ts).
 */
import { Context, Effect, Layer } from "effect"
import { Sessions } from "../../stream/Sessions.js"
import type { StreamEntry } from "../../notify/Encode.js"

/**
 * The shared part of a notify call whose entries are published: with it a bus can send the
 * call once (`shared`) plus each recipient's user and seq, instead of every frame whole.
 * Recipient `i` of the entries is the call's recipient `i` (Encode.recipientId).
 */
export interface PublishedCall {
  readonly stem: string
  readonly shared: string
}

/** The Bus interface. */
export interface BusShape {
  /**
   * Publishes entries committed for users of `app`, at once (plain: it is on every notify's
   * path). Never fails: delivery is best effort.
   */
  readonly publish: (app: string, entries: ReadonlyArray<StreamEntry>, call?: PublishedCall) => void
  /**
   * Writes a frame that is no stream entry (typing, PROTOCOL.md §13) to the live sessions of
   * `users` of `app` on every node. Never stored: a lost one is only missed, never repaired.
   */
  readonly signal: (app: string, users: ReadonlyArray<string>, frame: string) => Effect.Effect<void>
  /** Checks the bus is reachable (for `/readyz`). */
  readonly ping: Effect.Effect<boolean>
}

/** The Bus service tag. */
export class Bus extends Context.Tag("@pushback/server/Bus")<Bus, BusShape>() {}

/** Single node: hands entries straight to this node's sessions hub. */
export const layerInProcessBus = Layer.effect(
  Bus,
  Effect.gen(function* () {
    const sessions = yield* Sessions
    return {
      publish: (app, entries) => sessions.deliver(app, entries),
      signal: (app, users, frame) => Effect.sync(() => sessions.signal(app, users, frame)),
      ping: Effect.succeed(true)
    }
  })
)
