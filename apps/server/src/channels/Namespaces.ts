/**
 * Namespaces (PROTOCOL.md §12): an app's namespaces and their options, as every node holds them
 * in memory so that subscribing and publishing never ask the database. The whole table is read
 * at start; a change made on this node updates its memory at once and, with Redis, tells the
 * other nodes on one channel (`pushback:ch:ns`), each of which reads that app's namespaces
 * again; every node also reads the whole table again every `namespaceRefreshMs` (30 s) and after
 * Redis comes back, so a lost message is repaired. Listeners hear of each app whose namespaces
 * changed (the hub ends subscriptions whose namespace is gone).
 */
import { Context, Effect, Layer } from "effect"
import { PREFIX, RedisConnections } from "../cluster/redis.js"
import { Config } from "../config/Config.js"
import { namespaceOf } from "./names.js"
import { type NamespaceOptions, type NamespaceRow, namespaceStoreFor } from "./namespaceStore.js"

export type { NamespaceOptions } from "./namespaceStore.js"

/** The Namespaces interface. */
export interface NamespacesShape {
  /** The options of `channel`'s namespace in `app`; undefined when it was never created. From memory. */
  readonly of: (app: string, channel: string) => NamespaceOptions | undefined
  /** The app's namespaces by stored name (`""`: the default one), from memory. */
  readonly list: (app: string) => ReadonlyMap<string, NamespaceOptions>
  /** Creates or replaces a namespace; true when it is new. */
  readonly put: (app: string, name: string, options: NamespaceOptions) => Effect.Effect<boolean>
  /** Deletes a namespace; false when there was none. */
  readonly remove: (app: string, name: string) => Effect.Effect<boolean>
  /** Calls `listener` with each app whose namespaces changed (here or on another node). */
  readonly onChange: (listener: (app: string) => void) => void
}

/** The Namespaces service tag. */
export class Namespaces extends Context.Tag("@pushback/server/Namespaces")<Namespaces, NamespacesShape>() {}

/** The Redis channel on which a node says which app's namespaces it changed. */
const NAMESPACES_CHANNEL = `${PREFIX}ch:ns`

/** The layer: memory over the stored table, kept fresh as the header says. */
export const layerNamespaces = Layer.scoped(
  Namespaces,
  Effect.gen(function* () {
    const config = yield* Config
    const store = yield* namespaceStoreFor(config)
    const redis = yield* Effect.serviceOption(RedisConnections)
    const byApp = new Map<string, Map<string, NamespaceOptions>>()
    const listeners: Array<(app: string) => void> = []
    const changed = (app: string) => {
      for (const listener of listeners) listener(app)
    }
    const setApp = (app: string, rows: ReadonlyArray<NamespaceRow>) => {
      if (rows.length === 0) byApp.delete(app)
      else byApp.set(app, new Map(rows.map((r) => [r.name, r.options])))
    }
    const loadAll = Effect.gen(function* () {
      const rows = yield* store.all
      const apps = new Map<string, Array<NamespaceRow>>()
      for (const row of rows) apps.set(row.app, [...(apps.get(row.app) ?? []), row])
      const before = [...byApp.keys()]
      for (const app of before) if (!apps.has(app)) byApp.delete(app)
      for (const [app, list] of apps) setApp(app, list)
      for (const app of before) if (!apps.has(app)) changed(app)
    })
    const loadApp = (app: string) =>
      Effect.runFork(
        store.ofApp(app).pipe(
          Effect.tap((rows) =>
            Effect.sync(() => {
              setApp(app, rows)
              changed(app)
            })
          ),
          Effect.catchAllCause(() => Effect.void)
        )
      )
    yield* loadAll
    const refresh = () => Effect.runFork(loadAll.pipe(Effect.catchAllCause(() => Effect.void)))
    const timer = setInterval(refresh, config.channels.namespaceRefreshMs)
    timer.unref()
    yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(timer)))

    const node = config.nodeId
    if (redis._tag === "Some") {
      yield* redis.value.subscribe(NAMESPACES_CHANNEL, (text) => {
        try {
          const [from, app] = JSON.parse(text) as [string, string]
          if (from !== node && typeof app === "string") loadApp(app)
        } catch {
          // not a message of ours
        }
      })
      redis.value.onReconnect(refresh)
    }
    const tell = (app: string) => {
      changed(app)
      if (redis._tag === "Some")
        redis.value.command.publish(NAMESPACES_CHANNEL, JSON.stringify([node, app])).catch(() => undefined)
    }

    return {
      of: (app, channel) => byApp.get(app)?.get(namespaceOf(channel)),
      list: (app) => byApp.get(app) ?? new Map(),
      put: (app, name, options) =>
        Effect.gen(function* () {
          const created = byApp.get(app)?.has(name) !== true
          yield* store.put({ app, name, options })
          const names = byApp.get(app) ?? new Map<string, NamespaceOptions>()
          byApp.set(app, names.set(name, options))
          tell(app)
          return created
        }),
      remove: (app, name) =>
        Effect.gen(function* () {
          const gone = yield* store.remove(app, name)
          const names = byApp.get(app)
          names?.delete(name)
          if (names?.size === 0) byApp.delete(app)
          if (gone) tell(app)
          return gone
        }),
      onChange: (listener) => {
        listeners.push(listener)
      }
    } satisfies NamespacesShape
  })
)
