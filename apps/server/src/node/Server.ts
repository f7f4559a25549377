/**
 * startServer: makes a node's runtime from its layers (layers.ts), puts the HTTP edge with the
 * route table (routes.ts) and the WebSocket, SSE and long-poll transports on a node:http server,
 * starts the background duties (duties.ts) once it listens, and shuts down gracefully (sessions
 * closed 1001).
 */
import { createServer, type Server as HttpServer } from "node:http"
import type { AddressInfo } from "node:net"
import { CloseCodes } from "@pushback/protocol"
import { Effect, ManagedRuntime } from "effect"
import { Limits } from "../cluster/limits/Limits.js"
import { RedisConnections } from "../cluster/redis.js"
import { drnFrames } from "../compat/index.js"
import { channelStreamHook } from "../channels/httpChannels.js"
import { Config, type ServerConfig, sqlitePath } from "../config/Config.js"
import { listenFailure, storageFailure } from "../config/StartupError.js"
import { answerClientError } from "../http/clientError.js"
import { isDashboardPath, serveDashboard } from "../http/dashboard.js"
import { makeRequestListener } from "../http/Edge.js"
import { Metrics } from "../stats/Metrics.js"
import { Store } from "../storage/Store.js"
import { Sessions } from "../stream/Sessions.js"
import { makePollTransport } from "../stream/transports/poll.js"
import { makeSseTransport } from "../stream/transports/sse.js"
import { makeWsTransport } from "../stream/transports/ws.js"
import { startDuties } from "./duties.js"
import { clientFrameHandlers } from "./frames.js"
import { layerServices } from "./layers.js"
import { routes } from "./routes.js"

/** How long an idle keep-alive connection stays open (see where the HTTP server is made). */
const KEEP_ALIVE_MS = 65_000
/**
 * Connections the kernel holds for the server to accept (capped by `net.core.somaxconn`). Node's
 * default, 511, overflows when thousands of clients reconnect at once (a node restarted, a
 * failover): each overflow is a dropped handshake the client must retransmit, and under load a
 * few were reset (the storms test's 2,000 reconnecting clients: 243 overflows at 511).
 */
const LISTEN_BACKLOG = 4096

/** A running server. */
export interface RunningServer {
  readonly url: string
  readonly port: number
  /** The config in force (with the admin token a PostgreSQL database keeps, when none was given). */
  readonly config: ServerConfig
  /** Closes sessions with 1001, stops accepting, releases storage. */
  readonly close: () => Promise<void>
}

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
  const ws = makeWsTransport({ ...deps, frames: clientFrameHandlers(runtime) })
  const seedWs = makeWsTransport(deps, { frames: drnFrames })
  const streamHook = channelStreamHook(runtime, config)
  const sse = makeSseTransport({ ...deps, streamHook })
  const poll = makePollTransport({ ...deps, streamHook })
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

  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject)
      http.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => resolve())
    })
  } catch (e) {
    sse.close()
    poll.close()
    ws.close()
    seedWs.close()
    await forgetToken()
    await runtime.dispose()
    throw listenFailure(e, config.host, config.port, config.listenFrom)
  }
  const duties = startDuties({ runtime, config, store, sessions, metrics, redis })
  const port = (http.address() as AddressInfo).port
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host
  return {
    url: `http://${shownHost}:${port}`,
    port,
    config: services.config,
    close: async () => {
      duties.stop()
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
