/**
 * Presence: who is online, on any node (PROTOCOL.md §6). Handlers and Delivery ask Presence,
 * never the local sessions hub, so that `online`, `sessions`, `onlineUsers` and `connections`
 * mean the same on one node and on many. One node answers from its hub; several nodes share
 * their hubs' census through Redis (cluster/redisPresence.ts).
 */
import { Context, Effect, Layer } from "effect"
import { Config } from "../../config/Config.js"
import type { Plain } from "../../http/plain.js"
import { type Session, Sessions, type SessionsShape, type TransportName } from "../../stream/Sessions.js"

/** Live sessions of an app, counted. */
export interface Census {
  readonly connections: number
  readonly onlineUsers: number
  readonly byTransport: Record<TransportName, number>
  /** Connections by node id. */
  readonly byNode: Record<string, number>
}

/** One live session, as the operator API lists it. */
export interface ConnectionInfo {
  readonly session: string
  readonly user: string
  readonly transport: TransportName
  readonly node: string
  /** When it opened (ISO-8601). */
  readonly since: string
}

/**
 * The Presence interface. Never fails: without the cluster's view a node answers for itself.
 * The two questions on every notify's path are plain (http/plain.ts): answered at once from this
 * node's view, a promise only while it must ask Redis.
 */
export interface PresenceShape {
  /** Of `users`, those with a live session on any node. */
  readonly onlineOf: (app: string, users: ReadonlyArray<string>) => Plain<ReadonlySet<string>>
  /** The users of `app` with a live session on any node. */
  readonly onlineUsers: (app: string) => Plain<ReadonlyArray<string>>
  /** Live sessions of one user on every node. */
  readonly sessionsOf: (app: string, user: string) => Effect.Effect<number>
  /** The app's live sessions counted by transport and node. */
  readonly census: (app: string) => Effect.Effect<Census>
  /** The app's live sessions, one by one. */
  readonly connections: (app: string) => Effect.Effect<ReadonlyArray<ConnectionInfo>>
}

/** The Presence service tag. */
export class Presence extends Context.Tag("@pushback/server/Presence")<Presence, PresenceShape>() {}

/** A session as the operator API shows it. */
export const connectionOf = (s: Session, node: string): ConnectionInfo => ({
  session: s.id,
  user: s.user,
  transport: s.transport,
  node,
  since: s.openedAt
})

/** What one node's hub answers, at once: the in-process layer's answers and the Redis layer's own part. */
export const hubPresence = (sessions: SessionsShape, node: string) => ({
  onlineOf: (app: string, users: ReadonlyArray<string>): ReadonlySet<string> =>
    new Set(users.filter((u) => sessions.isOnline(app, u))),
  onlineUsers: (app: string): ReadonlyArray<string> => sessions.onlineUsers(app),
  sessionsOf: (app: string, user: string): number => sessions.sessionsOf(app, user),
  census: (app: string): Census => {
    const c = sessions.census(app)
    return { ...c, byNode: c.connections > 0 ? { [node]: c.connections } : {} }
  },
  connections: (app: string): ReadonlyArray<ConnectionInfo> =>
    sessions.list(app).map((s) => connectionOf(s, node))
})

/** One node's Presence: its hub's answers. */
const localPresence = (sessions: SessionsShape, node: string): PresenceShape => {
  const hub = hubPresence(sessions, node)
  return {
    onlineOf: hub.onlineOf,
    onlineUsers: hub.onlineUsers,
    sessionsOf: (app, user) => Effect.sync(() => hub.sessionsOf(app, user)),
    census: (app) => Effect.sync(() => hub.census(app)),
    connections: (app) => Effect.sync(() => hub.connections(app))
  }
}

/** One node: the hub is the whole truth. */
export const layerInProcessPresence = Layer.effect(
  Presence,
  Effect.gen(function* () {
    return localPresence(yield* Sessions, (yield* Config).nodeId)
  })
)
