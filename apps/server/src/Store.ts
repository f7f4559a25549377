/**
 * Store: the source of truth (ARCHITECTURE.md). A `Context.Tag` whose layers are storage
 * backends (SQLite now, PostgreSQL next). Writes are whole operations (a notify call, a
 * mark), never statements a caller strings together, so each backend commits them its own
 * way: SQLite with group commit on one writer, PostgreSQL with a pool. Every method takes
 * the app id: tenancy is part of every key and every query.
 */
import type { NotifyResponse } from "@pushback/protocol"
import { Context, type Effect } from "effect"
import type { NotificationParts, SharedNotification } from "./Encode.js"
import type { Grain } from "./store/statsBuckets.js"
import type { EmailPlan } from "./store/emailPlan.js"
import type { EmailStoreShape } from "./store/emailStore.js"

/** An app (tenant) as stored. */
export interface AppRecord {
  readonly id: string
  readonly name: string
  readonly secret: string
  readonly createdAt: string
}

/** A user as stored. */
export interface UserRecord {
  readonly id: string
  readonly email: string | null
  readonly name: string | null
  readonly createdAt: string
}

/** A user to register: id and optional contact details (kept when omitted). */
export interface UserInput {
  readonly id: string
  readonly email?: string | undefined
  readonly name?: string | undefined
}

/** A declared event type. */
export interface EventTypeRecord {
  readonly name: string
  readonly title: string
  readonly description: string | null
}

/** A stored notification, before it is shaped for the wire. */
export interface NotificationRecord {
  readonly id: string
  readonly user: string
  readonly seq: number
  readonly type: string | null
  readonly title: string | null
  /** JSON text. */
  readonly content: string
  readonly url: string | null
  readonly icon: string | null
  readonly image: string | null
  /** JSON text or null. */
  readonly data: string | null
  /** Who caused it (a user id), or null. */
  readonly author: string | null
  readonly createdAt: string
  readonly seenAt: string | null
  readonly readAt: string | null
  /** When it was first written to a session of its user, or null. */
  readonly deliveredAt: string | null
}

/** A notification's first write to a session (recorded in batches, see Receipts.ts). */
export interface Receipt {
  readonly app: string
  readonly user: string
  /** The notification's id. */
  readonly id: string
  /** When it was written (ISO-8601). */
  readonly at: string
}

/** One stream entry: its seq and the encoded frame every session is handed as is. */
export interface StreamEntry {
  readonly user: string
  readonly seq: number
  /** The frame's JSON text. */
  readonly payload: string
  /** For a `notification` entry of a call: its id and the pieces of its frame (Encode.ts). */
  readonly notification?: NotificationParts
}

/** Filters of a notification list. */
export interface ListFilter {
  readonly limit: number
  readonly offset: number
  readonly status: "all" | "unseen" | "unread" | "read"
  readonly type?: string | undefined
  readonly since?: string | undefined
  readonly before?: string | undefined
  /** Only notifications read at or after this instant (the Django REST Notifications `readed=<time>`). */
  readonly readSince?: string | undefined
}

/** Which notifications a mark applies to. */
export type MarkTarget = { readonly ids: ReadonlyArray<string> } | { readonly all: true }

/** A kind of mark, as it appears in the stream. */
export type MarkKind = "seen" | "read" | "deleted"

/** What resuming a user's stream after a cursor finds. */
export interface StreamWindow {
  /** Whether the cursor can be resumed (else the client gets `reset`). */
  readonly resumable: boolean
  /** The user's latest seq (0 for a user with no entries). */
  readonly latest: number
  /** The smallest retained seq, or null when nothing is retained. */
  readonly oldest: number | null
  /** The encoded entries after the cursor, in seq order (empty when not resumable). */
  readonly entries: ReadonlyArray<StreamEntry>
}

/** A type preference. */
export interface PreferenceRecord {
  readonly type: string
  readonly inApp: boolean
  readonly email: boolean
}

/** App-wide counters for `/v1/stats` (the live ones come from the sessions hub). */
export interface StoredStats {
  readonly users: number
  readonly notifications: number
  readonly delivered: number
  readonly seen: number
  readonly read: number
}

/** One statistics bucket of an app (PROTOCOL.md §8): what happened from `t` on, every shard summed. */
export interface StatsRow {
  readonly t: string
  readonly notifications: number
  readonly delivered: number
  readonly seen: number
  readonly read: number
  readonly emails: number
  readonly emailsFailed: number
}

/** A notify call as the operator lists it, with what became of its notifications. */
export interface CallSummary {
  readonly id: string
  readonly createdAt: string
  readonly type: string | null
  readonly title: string | null
  readonly recipients: number
  readonly online: number
  /** Of its notifications that still exist: delivered, seen and read ones. */
  readonly delivered: number
  readonly seen: number
  readonly read: number
}

/** A notify call ready to be stored: validated, its shared part encoded once. */
export interface NotifyJob {
  readonly app: string
  readonly callId: string
  /** Recipient `i` gets the id `ntf_<stem>_<i in base 36>`. */
  readonly stem: string
  readonly fields: SharedNotification
  /** `encodeShared(fields)`, spliced into every recipient's frame. */
  readonly shared: string
  /** The named recipients (registered by the call), or undefined for every registered user. */
  readonly users: ReadonlyArray<UserInput> | undefined
  /** Of the candidates, who had a live session when the call was made (for `online`). */
  readonly online: ReadonlyArray<string>
  /** The call's `email` block as JSON text, or null. */
  readonly email: string | null
  /** Whom to email, when the block asks for mail and an SMTP server is configured. */
  readonly emailPlan: EmailPlan | undefined
  readonly idempotency:
    | {
        readonly key: string
        /** A hash of the request body: a reuse with another body is a conflict. */
        readonly bodyHash: string
        /** Keys saved before this are forgotten. */
        readonly notBefore: string
      }
    | undefined
}

/** What storing a notify call did. */
export type NotifyOutcome =
  | {
      readonly _tag: "Stored"
      readonly response: NotifyResponse
      readonly entries: ReadonlyArray<StreamEntry>
    }
  /** The idempotency key was used before with the same body: its first answer. */
  | { readonly _tag: "Repeated"; readonly response: NotifyResponse }
  /** The idempotency key was used before with another body: nothing stored. */
  | { readonly _tag: "Conflict" }

/** How the store keeps what it acknowledged, for `/readyz` and `/metrics`. */
export interface Durability {
  readonly journalMode: string
  readonly synchronous: string
  /** Commits since start; fewer than calls when group commit shares them. */
  readonly commits: number
}

/** The Store service. Storage failures are defects: the edge answers 500/503. */
export interface StoreShape {
  /** Checks the database answers (for `/readyz`). */
  readonly ping: Effect.Effect<void>
  readonly durability: Effect.Effect<Durability>

  readonly createApp: (app: AppRecord) => Effect.Effect<void>
  readonly listApps: Effect.Effect<ReadonlyArray<AppRecord>>
  /** From memory once read; reloaded when any process changes the apps. */
  readonly getApp: (id: string) => Effect.Effect<AppRecord | undefined>
  /** Erases the app and all its data; false when it did not exist. */
  readonly deleteApp: (id: string) => Effect.Effect<boolean>
  readonly setSecret: (id: string, secret: string) => Effect.Effect<boolean>

  /** Upserts users (contact details kept when omitted); answers how many were given. */
  readonly upsertUsers: (app: string, users: ReadonlyArray<UserInput>, now: string) => Effect.Effect<number>
  /** A page of users; with `search`, those whose id, email or name contains it (any case). */
  readonly listUsers: (
    app: string,
    limit: number,
    offset: number,
    search?: string
  ) => Effect.Effect<{ count: number; users: ReadonlyArray<UserRecord> }>
  readonly getUser: (app: string, id: string) => Effect.Effect<UserRecord | undefined>
  /** Erases the user, their notifications, preferences and stream. */
  readonly deleteUser: (app: string, id: string) => Effect.Effect<boolean>

  readonly putEventType: (app: string, type: EventTypeRecord) => Effect.Effect<void>
  /** From memory once read; reloaded when any process changes them. */
  readonly listEventTypes: (app: string) => Effect.Effect<ReadonlyArray<EventTypeRecord>>
  readonly deleteEventType: (app: string, name: string) => Effect.Effect<boolean>

  readonly getPreferences: (app: string, user: string) => Effect.Effect<ReadonlyArray<PreferenceRecord>>
  readonly putPreferences: (
    app: string,
    user: string,
    prefs: ReadonlyArray<PreferenceRecord>
  ) => Effect.Effect<void>

  /**
   * Stores a notify call in one transaction: the idempotency key, the audience (preferences
   * applied), each recipient's next seq, their notifications and stream entries, the call.
   * Answers once committed (a 2xx means on disk); concurrent calls may share one commit.
   */
  readonly notify: (job: NotifyJob) => Effect.Effect<NotifyOutcome>

  readonly listNotifications: (
    app: string,
    user: string,
    filter: ListFilter
  ) => Effect.Effect<{ count: number; rows: ReadonlyArray<NotificationRecord> }>
  readonly getNotification: (
    app: string,
    user: string,
    id: string
  ) => Effect.Effect<NotificationRecord | undefined>
  /**
   * Applies a mark and, when it changed anything, its one stream entry, in one transaction.
   * Answers the ids it changed (in seq order) and the entry to publish.
   */
  readonly mark: (
    app: string,
    user: string,
    kind: MarkKind,
    target: MarkTarget,
    now: string
  ) => Effect.Effect<{ ids: ReadonlyArray<string>; entries: ReadonlyArray<StreamEntry> }>
  /** The user's counts and, from the same snapshot, their latest seq (what they reflect). */
  readonly counts: (
    app: string,
    user: string
  ) => Effect.Effect<{ unseen: number; unread: number; total: number; cursor: number }>

  /** The stream after `cursor`, with the bounds needed to decide between resume and reset. */
  readonly streamAfter: (
    app: string,
    user: string,
    cursor: number,
    limit: number
  ) => Effect.Effect<StreamWindow>

  readonly stats: (app: string) => Effect.Effect<StoredStats>
  /** The app's notify calls, newest first, with their counts. */
  readonly listCalls: (
    app: string,
    limit: number,
    offset: number
  ) => Effect.Effect<{ count: number; calls: ReadonlyArray<CallSummary> }>
  /** The app's non-empty `grain` buckets starting from `from` to `to` (both included), by time. */
  readonly series: (
    app: string,
    grain: Grain,
    from: string,
    to: string
  ) => Effect.Effect<ReadonlyArray<StatsRow>>
  /**
   * Sets `deliveredAt` of the receipts' notifications that have none yet, and counts them in
   * the statistics, in one transaction; answers how many were new.
   */
  readonly markDelivered: (receipts: ReadonlyArray<Receipt>) => Effect.Effect<number>
  /**
   * Each user's latest seq (their position), for the periodic check that repairs a lost
   * wake-up; a user with no row (deleted) is absent from the answer.
   */
  readonly positions: (
    app: string,
    users: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyMap<string, number>>
  /** The secrets of those of `apps` that exist (a missing one was deleted). */
  readonly appSecrets: (apps: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, string>>
  /**
   * Where a database shared by several nodes keeps the generated admin token (PostgreSQL):
   * `keep` answers the kept one, making `fresh` it when there is none yet; `forget` drops it
   * if it is still `token`. Undefined where the token is a file beside the database (SQLite).
   */
  readonly adminTokens?: {
    readonly keep: (fresh: string) => Effect.Effect<string>
    readonly forget: (token: string) => Effect.Effect<void>
  }
  /** The email outbox the notify calls write to. */
  readonly emails: EmailStoreShape
  /**
   * Drops stream entries older than `before` or beyond `keep` per user, stale idempotency keys,
   * email jobs done (sent, failed, cancelled) and due before `before`, and statistics buckets
   * that start before their grain's time in `statsBefore`.
   */
  readonly prune: (
    before: string,
    keep: number,
    keysBefore: string,
    statsBefore: Readonly<Record<Grain, string>>
  ) => Effect.Effect<number>
}

/** The Store service tag. */
export class Store extends Context.Tag("@pushback/server/Store")<Store, StoreShape>() {}
