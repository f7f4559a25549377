/**
 * The seed-compatible endpoints (PROTOCOL.md §9), always on: the routes of the four systems
 * PushBack replaces, each mapped onto the v1 services. Their WebSocket, `/ws/notifications`,
 * is the WebSocket transport with the Django REST Notifications frames (`drnFrames`).
 */
import { drnRoutes } from "./drn.js"
import { pushbackDjangoRoutes } from "./pushbackDjango.js"
import { socketIoRoutes } from "./socketIo.js"
import { webserviceRoutes } from "./webservice.js"

export { drnFrames } from "./drnShape.js"

/** Every seed-compatible HTTP route. */
export const compatRoutes = [...pushbackDjangoRoutes, ...socketIoRoutes, ...webserviceRoutes, ...drnRoutes]
