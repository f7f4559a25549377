/**
 * The node's route table: every concept's routes, concatenated. Adding a concept adds one line
 * here. The order matters only where two patterns match the same path (the first one wins).
 */
import { Effect } from "effect"
import { compatRoutes } from "../compat/index.js"
import { conversationRoutes } from "../conversations/routes.js"
import { badRequest } from "../http/ApiError.js"
import { type Route, type RouteNeeds, route } from "../http/Route.js"
import { statusRoutes } from "../http/status.js"
import { authRoutes } from "../auth/routes.js"
import { channelRoutes } from "../channels/routes.js"
import { inboxRoutes } from "../inbox/routes.js"
import { notifyRoutes } from "../notify/routes.js"
import { pushRoutes } from "../push/routes.js"
import { statsRoutes } from "../stats/routes.js"
import { tenancyRoutes } from "../tenancy/routes.js"
import { topicRoutes } from "../topics/routes.js"
import { webhookRoutes } from "../webhooks/routes.js"

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

const all = [
  ...statusRoutes,
  ...tenancyRoutes,
  ...authRoutes,
  ...notifyRoutes,
  ...inboxRoutes,
  ...statsRoutes,
  ...pushRoutes,
  ...webhookRoutes,
  ...topicRoutes,
  ...channelRoutes,
  ...conversationRoutes,
  ...compatRoutes,
  ...transportRoutes
]

/** What the route table needs: the union of every route's needs (the node's runtime provides it). */
export type RoutesNeed = RouteNeeds<(typeof all)[number]>

/** All HTTP routes. */
export const routes: ReadonlyArray<Route<RoutesNeed>> = all
