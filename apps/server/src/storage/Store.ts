/**
 * Store: the source of truth (ARCHITECTURE.md). A `Context.Tag` whose layers are storage
 * backends (SQLite, PostgreSQL). It is the intersection of the concepts' storage ports, each
 * declared in its concept's folder (tenancy, notify, inbox, stream, stats, email); this file
 * adds only what belongs to the database as a whole (health, durability, pruning). Writes are
 * whole operations (a notify call, a mark), never statements a caller strings together, so
 * each backend commits them its own way: SQLite with group commit on one writer, PostgreSQL
 * with a pool. Every method takes the app id: tenancy is part of every key and every query.
 */
import { Context, type Effect } from "effect"
import type { EmailStoreShape } from "../email/emailStore.js"
import type { InboxStore } from "../inbox/InboxStore.js"
import type { NotifyStore } from "../notify/NotifyStore.js"
import type { StatsStore } from "../stats/StatsStore.js"
import type { Grain } from "../stats/statsBuckets.js"
import type { StreamStore } from "../stream/StreamStore.js"
import type { TenancyStore } from "../tenancy/TenancyStore.js"

/** How the store keeps what it acknowledged, for `/readyz` and `/metrics`. */
export interface Durability {
  readonly journalMode: string
  readonly synchronous: string
  /** Commits since start; fewer than calls when group commit shares them. */
  readonly commits: number
}

/** What belongs to the database as a whole: health, durability and pruning. */
export interface MaintenanceStore {
  /** Checks the database answers (for `/readyz`). */
  readonly ping: Effect.Effect<void>
  readonly durability: Effect.Effect<Durability>
  /**
   * Drops stream entries older than `before` or beyond `keep` per user, stale idempotency keys,
   * outbox jobs done (sent, failed, cancelled) and due before `before`, and statistics buckets
   * that start before their grain's time in `statsBefore`.
   */
  readonly prune: (
    before: string,
    keep: number,
    keysBefore: string,
    statsBefore: Readonly<Record<Grain, string>>
  ) => Effect.Effect<number>
}

/** Email's storage, as the Store offers it (its jobs are outbox rows: outbox/OutboxStore.ts). */
export interface EmailPort {
  /** What email reads, and its failed jobs for the operator. */
  readonly emails: EmailStoreShape
}

/** The Store service: every concept's port. Storage failures are defects: the edge answers 500/503. */
export type StoreShape = MaintenanceStore &
  TenancyStore &
  NotifyStore &
  InboxStore &
  StreamStore &
  StatsStore &
  EmailPort

/** The Store service tag. */
export class Store extends Context.Tag("@pushback/server/Store")<Store, StoreShape>() {}
