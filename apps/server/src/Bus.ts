/**
 * Bus: carries committed stream entries to whichever node holds the users' sessions.
 * Storage is the source of truth; the bus only wakes sessions up, and a lost message is
 * repaired by the client's gap detection and resume. This version ships the in-process
 * layer (one node); a Redis pub/sub layer is the same interface.
 */
import { Context, Effect, Layer } from "effect"
import { Sessions } from "./Sessions.js"
import type { StreamEntry } from "./Store.js"

/** The Bus interface. */
export interface BusShape {
  /** Publishes entries committed for users of `app`. Never fails: delivery is best effort. */
  readonly publish: (app: string, entries: ReadonlyArray<StreamEntry>) => Effect.Effect<void>
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
      publish: (app, entries) => Effect.sync(() => sessions.deliver(app, entries)),
      ping: Effect.succeed(true)
    }
  })
)
