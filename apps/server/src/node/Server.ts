/**
 * Server: wires the layers (Store, Bus, Sessions, Delivery, Auth, Config, …) into one
 * runtime, puts the HTTP edge and the WebSocket, SSE and long-poll transports on a node:http
 * server, prunes old stream entries in the background, and shuts down gracefully (sessions
 * closed 1001).
 */
import { createServer, type Server as HttpServer } from "node:http"
import type { AddressInfo } from "node:net"
import { CloseCodes } from "@pushback/protocol"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { layerAuth } from "../auth/Auth.js"
import { layerInProcessBus } from "../cluster/bus/Bus.js"
import { checkApps, APP_WATCH_MS } from "../stream/appWatch.js"
import { layerRedis, RedisConnections } from "../cluster/redis.js"
import { layerRedisBus } from "../cluster/bus/redisBus.js"
import { layerRedisControl } from "../cluster/control/redisControl.js"
import { layerRedisLimits } from "../cluster/limits/redisLimits.js"
import { layerRedisPresence } from "../cluster/presence/redisPresence.js"
import { makeRepair, POSITION_CHECK_MS } from "../stream/repair.js"
import { layerInProcessControl } from "../cluster/control/Control.js"
import { layerInProcessLimits, Limits } from "../cluster/limits/Limits.js"
import { layerInProcessPresence } from "../cluster/presence/Presence.js"
import { Config, generateAdminToken, type ServerConfig, sqlitePath } from "../config/Config.js"
import { isPostgresUrl } from "../config/DatabaseUrl.js"
import { layerDelivery } from "../notify/Delivery.js"
import { layerEmailOutbox } from "../email/EmailOutbox.js"
import { badRequest } from "../http/ApiError.js"
import { answerClientError } from "../http/clientError.js"
import { compatRoutes, drnFrames } from "../compat/index.js"
import { makeRequestListener } from "../http/Edge.js"
import { route } from "../http/Route.js"
import { appReadRoutes } from "../tenancy/appReads.js"
import { backendRoutes } from "../tenancy/backend.js"
import { isDashboardPath, serveDashboard } from "../http/dashboard.js"
import { callRoutes } from "../notify/calls.js"
import { meRoutes } from "../inbox/me.js"
import { operatorRoutes } from "../tenancy/operator.js"
import { statusRoutes } from "../http/status.js"
import { layerMetrics, Metrics } from "../stats/Metrics.js"
import { layerReceipts } from "../stream/Receipts.js"
import { makePollTransport } from "../stream/transports/poll.js"
import { makeSseTransport } from "../stream/transports/sse.js"
import { makeWsTransport } from "../stream/transports/ws.js"
import type { Services } from "./Services.js"
import { layerSessions, Sessions } from "../stream/Sessions.js"
import { Store } from "../storage/Store.js"
import { listenFailure, storageFailure } from "../config/StartupError.js"
import { layerPgStore } from "../storage/postgres/pg.js"
import { layerSqliteStore } from "../storage/sqlite/sqlite.js"

/** How long an idle keep-alive connection stays open (see where the HTTP server is made). */
const KEEP_ALIVE_MS = 65_000

/** The Store layer the database URL names: `postgres://…` or `sqlite:PATH`. */
export const layerStoreFor = (config: ServerConfig): Layer.Layer<Store> =>
  isPostgresUrl(config.databaseUrl)
    ? layerPgStore(config.databaseUrl)
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
    ? Layer.mergeAll(layerInProcessBus, layerInProcessPresence, layerInProcessControl, layerInProcessLimits)
    : Layer.mergeAll(layerRedisBus, layerRedisPresence, layerRedisControl, layerRedisLimits).pipe(
        Layer.provideMerge(layerRedis(config.redisUrl))
      )

/** Every service of one node, from a resolved config. */
export const layerServices = (config: ServerConfig): Layer.Layer<Services> => {
  const base = Layer.mergeAll(
    layerConfig(config),
    layerSessions.pipe(Layer.provideMerge(layerReceipts), Layer.provideMerge(layerMetrics))
  ).pipe(Layer.provideMerge(layerStoreFor(config)))
  const cluster = Layer.mergeAll(layerCluster(config), layerEmailOutbox).pipe(Layer.provideMerge(base))
  return Layer.mergeAll(layerDelivery, layerAuth).pipe(Layer.provideMerge(cluster))
}

/**
 * A transport endpoint in the route table. Its real requests never reach the table (upgrades and
 * the streaming GETs are dispatched first), but the table knows the path: another method is a
 * 405 with `Allow`, and what does reach it (a plain GET of /v1/ws, a HEAD) gets a clear answer.
 */
const transportRoute = (path: string, howToOpen: string, field: string) =>
  route("GET", path, () => Effect.fail(badRequest(`${path} is ${howToOpen}`, field)))

/** All HTTP routes. */
export const routes = [
  ...statusRoutes,
  ...operatorRoutes,
  ...appReadRoutes,
  ...backendRoutes,
  ...callRoutes,
  ...meRoutes,
  ...compatRoutes,
  transportRoute("/v1/ws", "a WebSocket endpoint: connect with an Upgrade: websocket request", "upgrade"),
  transportRoute("/v1/sse", "an event stream: open it with GET", "method"),
  transportRoute("/v1/poll", "a long-poll: GET it", "method"),
  transportRoute(
    "/ws/notifications",
    "a WebSocket endpoint: connect with an Upgrade: websocket request",
    "upgrade"
  )
]

/** A running server. */
export interface RunningServer {
  readonly url: string
  readonly port: number
  /** The config in force (with the admin token a PostgreSQL database keeps, when none was given). */
  readonly config: ServerConfig
  /** Closes sessions with 1001, stops accepting, releases storage. */
  readonly close: () => Promise<void>
}

const PRUNE_EVERY_MS = 10 * 60 * 1000

/**
 * Starts a node: migrates storage, listens, and answers once ready. A storage or listening
 * problem rejects with a StartupError naming the option to change.
 */
export const startServer = async (config: ServerConfig): Promise<RunningServer> => {
  const runtime = ManagedRuntime.make(layerServices(config))
  const services = await runtime
    .runPromise(
      Effect.all({
        sessions: Sessions,
        metrics: Metrics,
        store: Store,
        config: Config,
        limits: Limits,
        redis: Effect.serviceOption(RedisConnections)
      })
    )
    .catch(async (e: unknown) => {
      await runtime.dispose()
      throw storageFailure(e, config.databaseUrl, sqlitePath(config.databaseUrl))
    })
  const { sessions, metrics, store, limits, redis } = services
  // A token this start generated and kept, forgotten again if the start fails before it is printed.
  const forgetToken = async () => {
    if (services.config.adminTokenGenerated && store.adminTokens !== undefined) {
      await runtime.runPromise(store.adminTokens.forget(services.config.adminToken)).catch(() => undefined)
    }
  }
  const deps = { runtime, config, sessions, metrics, limits }
  const ws = makeWsTransport(deps)
  const seedWs = makeWsTransport(deps, { frames: drnFrames })
  const sse = makeSseTransport(deps)
  const poll = makePollTransport(deps)
  const listener = makeRequestListener(routes, runtime, config, metrics)
  // SSE and long-poll are GETs that outlive a REST call, and the dashboard is static files:
  // they bypass the route table.
  const headerBytes = config.limits.requestHeaderBytes
  const http: HttpServer = createServer({ maxHeaderSize: headerBytes }, (req, res) => {
    if (req.method === "GET" || req.method === "HEAD") {
      const path = (req.url ?? "/").split("?", 1)[0]!
      if (path === "/v1/sse" && req.method === "GET") return sse.handle(req, res)
      if (path === "/v1/poll" && req.method === "GET") return poll.handle(req, res)
      // The operator's web UI: static files, no route table.
      if (isDashboardPath(path)) return serveDashboard(req, res, path)
    }
    void listener(req, res)
  })
  // Idle keep-alive connections outlive those of the proxies in front (nginx and most load
  // balancers close theirs after 60 s): with Node's 5 s default, a proxy or client reusing a
  // connection at the moment the server closes it gets a reset instead of an answer.
  http.keepAliveTimeout = KEEP_ALIVE_MS
  http.headersTimeout = KEEP_ALIVE_MS + 1000
  http.on("clientError", answerClientError(headerBytes))
  http.on("upgrade", (req, socket, head) => {
    // Not `new URL(req.url)`: it throws on a target like `//[`, and a throw here kills the process.
    const path = (req.url ?? "/").split("?", 1)[0]
    if (path === "/v1/ws") return ws.handleUpgrade(req, socket, head)
    if (path === "/ws/notifications") return seedWs.handleUpgrade(req, socket, head)
    socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
  })

  const prune = () => {
    const now = Date.now()
    const before = new Date(now - config.limits.retentionDays * 86400_000).toISOString()
    const keysBefore = new Date(now - config.limits.idempotencyTtlSeconds * 1000).toISOString()
    const daysAgo = (days: number) => new Date(now - days * 86400_000).toISOString()
    const statsBefore = {
      minute: daysAgo(config.limits.statsMinuteDays),
      hour: daysAgo(config.limits.statsHourDays),
      day: daysAgo(config.limits.statsDayDays)
    }
    runtime
      .runPromise(store.prune(before, config.limits.retentionEntries, keysBefore, statsBefore))
      .catch((e: unknown) => {
        console.error(`[pushback] pruning failed: ${String(e)}`)
      })
  }
  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject)
      http.listen(config.port, config.host, () => resolve())
    })
  } catch (e) {
    sse.close()
    poll.close()
    ws.close()
    seedWs.close()
    await forgetToken()
    await runtime.dispose()
    throw listenFailure(e, config.host, config.port)
  }
  prune()
  // Background duties, each a timer that never keeps the process alive.
  const every = (ms: number, duty: () => Promise<unknown>, what: string) =>
    setInterval(() => {
      duty().catch((e: unknown) => console.error(`[pushback] ${what} failed: ${String(e)}`))
    }, ms).unref()
  const repair = makeRepair(runtime, sessions, metrics)
  repair.fillGaps()
  const timers = [
    setInterval(prune, PRUNE_EVERY_MS).unref(),
    every(APP_WATCH_MS, () => runtime.runPromise(checkApps(sessions)), "the app watch")
  ]
  if (Option.isSome(redis)) {
    redis.value.onReconnect(() => {
      console.log("[pushback] Redis is back: bringing every session up to storage")
      repair
        .resumeAll()
        .catch((e: unknown) => console.error(`[pushback] resuming sessions failed: ${String(e)}`))
    })
    timers.push(every(POSITION_CHECK_MS, repair.checkPositions, "the position check"))
  }
  const port = (http.address() as AddressInfo).port
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host
  return {
    url: `http://${shownHost}:${port}`,
    port,
    config: services.config,
    close: async () => {
      for (const timer of timers) clearInterval(timer)
      sse.close()
      poll.close()
      sessions.closeWhere(() => true, CloseCodes.GoingAway, "server shutting down")
      ws.close()
      seedWs.close()
      await new Promise<void>((resolve) => {
        http.close(() => resolve())
        http.closeIdleConnections()
        setTimeout(() => {
          http.closeAllConnections()
          resolve()
        }, 3000).unref()
      })
      await runtime.dispose()
    }
  }
}
