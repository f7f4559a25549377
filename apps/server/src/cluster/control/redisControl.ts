/**
 * Control over Redis: the node where a user or app is deleted, or a secret rotated, closes
 * its own sessions at once and tells every other node on one channel, so each closes its
 * own within milliseconds (PROTOCOL.md §6: within 2 s). A command lost with Redis is caught
 * by storage: the app watch finds deleted apps and rotated secrets, the position check
 * deleted users (cluster/appWatch.ts, cluster/repair.ts).
 */
import { Effect, Layer } from "effect"
import { Config } from "../../config/Config.js"
import { Control, type ControlCommand, type ControlShape, closeLocally } from "./Control.js"
import { Sessions } from "../../stream/Sessions.js"
import { PREFIX, RedisConnections } from "../redis.js"

const CONTROL_CHANNEL = `${PREFIX}control`

/** Control over Redis. */
export const layerRedisControl = Layer.effect(
  Control,
  Effect.gen(function* () {
    const redis = yield* RedisConnections
    const sessions = yield* Sessions
    const node = (yield* Config).nodeId
    yield* redis.subscribe(CONTROL_CHANNEL, (text) => {
      try {
        const { from, command } = JSON.parse(text) as { from: string; command: ControlCommand }
        if (from !== node && (command.kind === "user" || command.kind === "app"))
          closeLocally(sessions, command)
      } catch {
        // not a message of ours
      }
    })
    return {
      close: (command) =>
        Effect.sync(() => {
          closeLocally(sessions, command)
          redis.command
            .publish(CONTROL_CHANNEL, JSON.stringify({ from: node, command }))
            .catch(() => undefined)
        })
    } satisfies ControlShape
  })
)
