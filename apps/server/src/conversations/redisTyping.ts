/**
 * Typing's allowance over Redis, for several nodes (Typing.ts): the 2 s of a user in a
 * conversation are one key set with `NX PX 2000`, so a user typing in two tabs on two nodes is
 * forwarded once. The frames travel on the bus like any live frame. Redis unreachable: nothing
 * is forwarded (a missed "typing…", never an error).
 */
import { Effect, Layer } from "effect"
import { Bus } from "../cluster/bus/Bus.js"
import { PREFIX, RedisConnections } from "../cluster/redis.js"
import { makeTyping, TYPING_INTERVAL_MS, Typing } from "./Typing.js"

/** The Redis layer of Typing. */
export const layerRedisTyping = Layer.effect(
  Typing,
  Effect.gen(function* () {
    const redis = yield* RedisConnections
    return makeTyping(yield* Bus, (key) =>
      Effect.promise(() =>
        redis.command
          .set(`${PREFIX}typing:${key}`, "1", "PX", TYPING_INTERVAL_MS, "NX")
          .then((set) => set === "OK")
          .catch(() => false)
      )
    )
  })
)
