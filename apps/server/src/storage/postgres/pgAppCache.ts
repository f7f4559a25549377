/**
 * Apps on PostgreSQL, kept a second in memory. Every request names its app (the secret, the
 * user token), and reading it was a round trip per turn of the event loop — on three nodes
 * sharing a core, a fifth of PostgreSQL's statements. A node now keeps what it read for
 * `APP_CACHE_MS`; a rotation or deletion forgets it at once on the node that made it, and on
 * every other node as soon as PostgreSQL delivers the NOTIFY sent by the writing transaction
 * (milliseconds). If that listen is down, the second bounds how long an old secret still works
 * there; sessions are closed within 2 s by the app watch as before (PROTOCOL.md §6).
 */
import { Effect } from "effect"
import type { AppRecord } from "../../tenancy/TenancyStore.js"

/** How long a node trusts an app it read (the bound when a NOTIFY is missed). */
export const APP_CACHE_MS = 1000

/** The NOTIFY channel of app changes; the payload is the app id. */
export const APPS_CHANNEL = "pushback_apps"

/** Most apps remembered, so lookups of many ids cannot grow memory without bound. */
const MAX_ENTRIES = 10_000

/** A cache over `load` (a miss is never kept: an app made elsewhere is found at once). */
export const makeAppCache = (
  load: (id: string) => Effect.Effect<AppRecord | undefined>,
  now: () => number = Date.now
) => {
  const entries = new Map<string, { readonly app: AppRecord; readonly at: number }>()
  // Moved by every forget: a read that began before it does not store what it read.
  let generation = 0
  return {
    get: (id: string): Effect.Effect<AppRecord | undefined> => {
      const hit = entries.get(id)
      if (hit !== undefined && now() - hit.at < APP_CACHE_MS) return Effect.succeed(hit.app)
      const began = generation
      return load(id).pipe(
        Effect.tap((app) => {
          if (app === undefined || began !== generation) return
          if (entries.size >= MAX_ENTRIES) entries.clear()
          entries.set(id, { app, at: now() })
        })
      )
    },
    forget: (id: string): void => {
      generation++
      entries.delete(id)
    }
  }
}
