/**
 * Apps and their event types on PostgreSQL, kept a second in memory. Every request names its
 * app (the secret, the user token) and every typed notify checks its type; reading them was a
 * round trip per turn of the event loop, or per call — on three nodes sharing a core, a fifth
 * of PostgreSQL's statements. A node now keeps what it read for `APP_CACHE_MS`; a change of an
 * app (rotation, deletion) or of its event types forgets it at once on the node that made it,
 * and on every other node as soon as PostgreSQL delivers the NOTIFY sent by the writing
 * transaction (milliseconds). If that listen is down, the second bounds how long an old secret
 * still works there; sessions are closed within 2 s by the app watch as before (PROTOCOL.md §6).
 */
import type { SqlClient } from "@effect/sql"
import type { Effect } from "effect"
import { lift, type Plain, runPlain } from "../../http/plain.js"

/** How long a node trusts an app it read (the bound when a NOTIFY is missed). */
export const APP_CACHE_MS = 1000

/** The NOTIFY channel of changes of an app or its event types; the payload is the app id. */
export const APPS_CHANNEL = "pushback_apps"

/** Tells every node, at the commit of the transaction it runs in, that `app` changed. */
export const announceAppChange = (sql: SqlClient.SqlClient, app: string) =>
  sql`SELECT pg_notify(${APPS_CHANNEL}, ${app})`

/** Most apps remembered, so lookups of many ids cannot grow memory without bound. */
const MAX_ENTRIES = 10_000

/**
 * A cache by app id over `load` (undefined is never kept: an app made elsewhere is found at
 * once). With `keep` false it only reads through (a one-shot command hears no NOTIFY).
 */
export const makeAppCache = <V>(
  load: (id: string) => Effect.Effect<V | undefined>,
  keep = true,
  now: () => number = Date.now
) => {
  const entries = new Map<string, { readonly value: V; readonly at: number }>()
  // Moved by every forget: a read that began before it does not store what it read.
  let generation = 0
  /** The value of `id`: at once when kept, else a promise of its read. */
  const find = (id: string): Plain<V | undefined> => {
    const hit = entries.get(id)
    if (hit !== undefined && now() - hit.at < APP_CACHE_MS) return hit.value
    const began = generation
    return runPlain(load(id)).then((value) => {
      if (keep && value !== undefined && began === generation) {
        if (entries.size >= MAX_ENTRIES) entries.clear()
        entries.set(id, { value, at: now() })
      }
      return value
    })
  }
  return {
    find,
    get: (id: string): Effect.Effect<V | undefined> => lift(() => find(id)),
    forget: (id: string): void => {
      generation++
      entries.delete(id)
    }
  }
}
