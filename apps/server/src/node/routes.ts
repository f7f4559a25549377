/**
 * The node's route table: every concept's routes, concatenated. Adding a concept adds one line
 * here. The order matters only where two patterns match the same path (the first one wins).
 */
import { Effect } from "effect"
import { compatRoutes } from "../compat/index.js"
import { badRequest } from "../http/ApiError.js"
import { route } from "../http/Route.js"
import { statusRoutes } from "../http/status.js"
import { meRoutes } from "../inbox/me.js"
import { callRoutes } from "../notify/calls.js"
import { appReadRoutes } from "../tenancy/appReads.js"
import { backendRoutes } from "../tenancy/backend.js"
import { operatorRoutes } from "../tenancy/operator.js"

/**
 * A transport endpoint in the route table. Its real requests never reach the table (upgrades and
 * the streaming GETs are dispatched first), but the table knows the path: another method is a
 * 405 with `Allow`, and what does reach it (a plain GET of /v1/ws, a HEAD) gets a clear answer.
 */
const transportRoute = (path: string, howToOpen: string, field: string) =>
  route("GET", path, () => Effect.fail(badRequest(`${path} is ${howToOpen}`, field)))

/** The transports' paths (stream/transports), as the route table knows them. */
const transportRoutes = [
  transportRoute("/v1/ws", "a WebSocket endpoint: connect with an Upgrade: websocket request", "upgrade"),
  transportRoute("/v1/sse", "an event stream: open it with GET", "method"),
  transportRoute("/v1/poll", "a long-poll: GET it", "method"),
  transportRoute(
    "/ws/notifications",
    "a WebSocket endpoint: connect with an Upgrade: websocket request",
    "upgrade"
  )
]

/** All HTTP routes. */
export const routes = [
  ...statusRoutes,
  ...operatorRoutes,
  ...appReadRoutes,
  ...backendRoutes,
  ...callRoutes,
  ...meRoutes,
  ...compatRoutes,
  ...transportRoutes
]
