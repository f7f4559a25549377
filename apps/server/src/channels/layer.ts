/**
 * The channels of a node (PROTOCOL.md §12), as one layer: the namespaces in memory, this node's
 * hub, and the Channels service — in memory on one node, through Redis on several (chosen from
 * the config, as node/layers.ts chooses the bus) — wired so that a subscription ending with its
 * session or namespace leaves presence (a long-poll's membership runs out on its own).
 */
import { Effect, Layer } from "effect"
import type { ServerConfig } from "../config/Config.js"
import { Channels } from "./Channels.js"
import { ChannelHub, layerChannelHub } from "./hub.js"
import { layerMemoryChannels } from "./memoryChannels.js"
import { layerNamespaces } from "./Namespaces.js"
import { layerRedisChannels } from "./redisChannels.js"

/** Leaving presence when a subscription ends without an unsubscribe. */
const layerLeaving = Layer.effectDiscard(
  Effect.gen(function* () {
    const hub = yield* ChannelHub
    const channels = yield* Channels
    hub.onEnd((sub) => {
      if (sub.session.transport === "poll") return
      Effect.runFork(channels.leave(sub.app, sub.channel, sub.session.id))
    })
  })
)

/** Every channel service of a node, from its config. */
export const layerChannels = (config: ServerConfig) =>
  layerLeaving.pipe(
    Layer.provideMerge(config.redisUrl === undefined ? layerMemoryChannels : layerRedisChannels),
    Layer.provideMerge(layerChannelHub),
    Layer.provideMerge(layerNamespaces)
  )
