/**
 * The catalog: apps and event types, read on every request (auth, notify's type check) and
 * changed rarely, so kept in memory. Every change of either, by any process on the file
 * (this server or the CLI), moves `catalog_version` in the same transaction; one prepared
 * read of that row (about a microsecond) tells whether the memory is still right.
 */
import type { Database } from "better-sqlite3"
import type { AppRecord, EventTypeRecord } from "../../tenancy/TenancyStore.js"

/** Most entries remembered, so lookups of random ids cannot grow memory without bound. */
const MAX_ENTRIES = 10_000

/** The in-memory catalog over `db`. */
export const makeCatalog = (db: Database) => {
  const version = db.prepare("SELECT version FROM catalog_version WHERE id = 1").pluck()
  const appById = db.prepare("SELECT id, name, secret, created_at AS createdAt FROM apps WHERE id = ?")
  const typesOf = db.prepare("SELECT name, title, description FROM event_types WHERE app = ? ORDER BY name")
  const apps = new Map<string, AppRecord | undefined>()
  const types = new Map<string, ReadonlyArray<EventTypeRecord>>()
  let known: unknown

  const current = () => {
    const now = version.get()
    if (now !== known) {
      known = now
      apps.clear()
      types.clear()
    }
  }
  const remember = <A>(map: Map<string, A>, key: string, value: A): A => {
    if (map.size >= MAX_ENTRIES) map.clear()
    map.set(key, value)
    return value
  }

  return {
    /** The app, or undefined when there is none with that id. */
    app: (id: string): AppRecord | undefined => {
      current()
      if (apps.has(id)) return apps.get(id)
      return remember(apps, id, appById.get(id) as AppRecord | undefined)
    },
    /** The app's declared event types, by name. */
    eventTypes: (app: string): ReadonlyArray<EventTypeRecord> => {
      current()
      return types.get(app) ?? remember(types, app, typesOf.all(app) as Array<EventTypeRecord>)
    }
  }
}
