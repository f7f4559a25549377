/**
 * The wiring of one node: which layer implements each service, from the resolved config —
 * SQLite or PostgreSQL storage, in-process or Redis cluster services — merged into the one
 * layer the node's runtime is made from. Adding a service adds a layer here.
 */
import { Effect, Layer } from "effect"
import { layerAuth } from "../auth/Auth.js"
import { layerChannels } from "../channels/layer.js"
import { layerInProcessBus } from "../cluster/bus/Bus.js"
import { layerRedisBus } from "../cluster/bus/redisBus.js"
import { layerInProcessControl } from "../cluster/control/Control.js"
import { layerRedisControl } from "../cluster/control/redisControl.js"
import { layerInProcessLimits } from "../cluster/limits/Limits.js"
import { layerRedisLimits } from "../cluster/limits/redisLimits.js"
import { layerInProcessPresence } from "../cluster/presence/Presence.js"
import { layerRedisPresence } from "../cluster/presence/redisPresence.js"
import { layerRedis } from "../cluster/redis.js"
import { Config, generateAdminToken, type ServerConfig, sqlitePath } from "../config/Config.js"
import { isPostgresUrl } from "../config/DatabaseUrl.js"
import { emailSender } from "../email/emailSender.js"
import { layerDelivery } from "../notify/Delivery.js"
import { layerOutbox } from "../outbox/Outbox.js"
import type { OutboxStore } from "../outbox/OutboxStore.js"
import type { PushStore } from "../push/PushStore.js"
import type { TopicStore } from "../topics/TopicStore.js"
import { pushSender } from "../push/pushSender.js"
import { layerPushKeys } from "../push/vapid.js"
import { layerMetrics } from "../stats/Metrics.js"
import { layerPgStore } from "../storage/postgres/pg.js"
import { Store } from "../storage/Store.js"
import { layerSqliteStore } from "../storage/sqlite/sqlite.js"
import { layerReceipts } from "../stream/Receipts.js"
import { layerSessions } from "../stream/Sessions.js"
import { layerPresenceEvents } from "../webhooks/presenceEvents.js"
import { layerWebhookStore, webhookSender } from "../webhooks/webhookLayer.js"
import { awaySender, layerDeliveryHandoff, layerLateDelivery } from "../conversations/awaySender.js"
import type { ConversationStore } from "../conversations/ConversationStore.js"
import { layerRedisTyping } from "../conversations/redisTyping.js"
import { layerInProcessTyping } from "../conversations/Typing.js"
import type { WebhookSends } from "../webhooks/WebhookStore.js"

/** The Store layer the database URL names: `postgres://…` or `sqlite:PATH`. */
export const layerStoreFor = (
  config: ServerConfig,
  /** A one-shot command (the CLI), not a node. */
  oneShot = false
): Layer.Layer<Store | OutboxStore | PushStore | TopicStore | ConversationStore | WebhookSends> =>
  isPostgresUrl(config.databaseUrl)
    ? layerPgStore(config.databaseUrl, { oneShot })
    : layerSqliteStore(sqlitePath(config.databaseUrl))

/**
 * The config, with the admin token a shared database keeps when none was given: the first
 * node to start generates it (and prints it once), every other node reads it (PROTOCOL.md §6).
 */
const layerConfig = (config: ServerConfig): Layer.Layer<Config, never, Store> =>
  config.adminToken.length > 0
    ? Layer.succeed(Config, config)
    : Layer.effect(
        Config,
        Effect.gen(function* () {
          const tokens = (yield* Store).adminTokens
          if (tokens === undefined) return yield* Effect.dieMessage("no admin token and nowhere to keep one")
          const fresh = generateAdminToken()
          const token = yield* tokens.keep(fresh)
          return { ...config, adminToken: token, adminTokenGenerated: token === fresh }
        })
      )

/**
 * The services every node shares with the others: in-process on one node; through Redis
 * (bus, presence, control, limits) when the config names one (PROTOCOL.md §6).
 */
const layerCluster = (config: ServerConfig) =>
  config.redisUrl === undefined
    ? Layer.mergeAll(
        layerInProcessTyping.pipe(Layer.provideMerge(layerInProcessBus)),
        layerInProcessPresence,
        layerInProcessControl,
        layerInProcessLimits
      )
    : Layer.mergeAll(
        layerRedisTyping.pipe(Layer.provideMerge(layerRedisBus)),
        layerRedisPresence,
        layerRedisControl,
        layerRedisLimits
      ).pipe(Layer.provideMerge(layerRedis(config.redisUrl)))

/** Every service of one node, from a resolved config. */
export const layerServices = (config: ServerConfig) => {
  const base = Layer.mergeAll(
    layerConfig(config),
    layerSessions.pipe(Layer.provideMerge(layerReceipts), Layer.provideMerge(layerMetrics))
  ).pipe(Layer.provideMerge(layerStoreFor(config)))
  const keyed = Layer.mergeAll(layerPushKeys, layerLateDelivery).pipe(Layer.provideMerge(base))
  // The outbox's senders, one per kind.
  const senders = [emailSender, pushSender, webhookSender, awaySender] as const
  const outbox = layerOutbox<Effect.Effect.Context<(typeof senders)[number]>>(senders)
  const cluster = Layer.mergeAll(layerCluster(config), outbox).pipe(
    Layer.provideMerge(layerWebhookStore(config).pipe(Layer.provideMerge(keyed)))
  )
  const services = Layer.mergeAll(layerDelivery, layerAuth, layerPresenceEvents, layerChannels(config)).pipe(
    Layer.provideMerge(cluster)
  )
  // The away sender reaches Delivery, which needs the outbox, once both are made.
  return layerDeliveryHandoff.pipe(Layer.provideMerge(services))
}

/** The services a node's runtime provides: what its routes, transports and duties may need. */
export type NodeServices = Layer.Layer.Success<ReturnType<typeof layerServices>>
