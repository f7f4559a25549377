/**
 * Store: the source of truth (ARCHITECTURE.md). A `Context.Tag` whose layers are SQL
 * backends (SQLite now, PostgreSQL next) over one portable implementation. Every method
 * takes the app id: tenancy is part of every key and every query.
 */
import { Context, type Effect } from "effect"

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
  readonly createdAt: string
  readonly seenAt: string | null
  readonly readAt: string | null
}

/** A new notification row, one per recipient of a notify call. */
export interface NewNotification extends Omit<NotificationRecord, "seenAt" | "readAt"> {
  readonly callId: string
}

/** One stream entry: its seq and the encoded frame every session is handed as is. */
export interface StreamEntry {
  readonly user: string
  readonly seq: number
  readonly payload: string
}

/** Filters of a notification list. */
export interface ListFilter {
  readonly limit: number
  readonly offset: number
  readonly status: "all" | "unseen" | "unread" | "read"
  readonly type?: string | undefined
  readonly since?: string | undefined
  readonly before?: string | undefined
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

/** The Store service. Storage failures are defects: the edge answers 500/503. */
export interface StoreShape {
  /**
   * Runs `effect` atomically and answers once it is committed. Concurrent transactions may
   * share one commit (group commit); each still succeeds or fails on its own.
   */
  readonly transaction: <A, E>(effect: Effect.Effect<A, E>) => Effect.Effect<A, E>
  /** Checks the database answers (for `/readyz`). */
  readonly ping: Effect.Effect<void>

  readonly createApp: (app: AppRecord) => Effect.Effect<void>
  readonly listApps: Effect.Effect<ReadonlyArray<AppRecord>>
  readonly getApp: (id: string) => Effect.Effect<AppRecord | undefined>
  /** Erases the app and all its data; false when it did not exist. */
  readonly deleteApp: (id: string) => Effect.Effect<boolean>
  readonly setSecret: (id: string, secret: string) => Effect.Effect<boolean>

  /** Upserts users (contact details kept when omitted); answers how many were given. */
  readonly upsertUsers: (app: string, users: ReadonlyArray<UserInput>, now: string) => Effect.Effect<number>
  readonly listUsers: (
    app: string,
    limit: number,
    offset: number
  ) => Effect.Effect<{ count: number; users: ReadonlyArray<UserRecord> }>
  readonly getUser: (app: string, id: string) => Effect.Effect<UserRecord | undefined>
  /** All user ids of the app (broadcast audience). */
  readonly allUserIds: (app: string) => Effect.Effect<ReadonlyArray<string>>
  /** Erases the user, their notifications, preferences and stream. */
  readonly deleteUser: (app: string, id: string) => Effect.Effect<boolean>

  readonly putEventType: (app: string, type: EventTypeRecord) => Effect.Effect<void>
  readonly listEventTypes: (app: string) => Effect.Effect<ReadonlyArray<EventTypeRecord>>
  readonly deleteEventType: (app: string, name: string) => Effect.Effect<boolean>

  readonly getPreferences: (app: string, user: string) => Effect.Effect<ReadonlyArray<PreferenceRecord>>
  readonly putPreferences: (
    app: string,
    user: string,
    prefs: ReadonlyArray<PreferenceRecord>
  ) => Effect.Effect<void>
  /** Of `users`, those who turned the in-app channel of `type` off. */
  readonly optedOut: (app: string, type: string, users: ReadonlyArray<string>) => Effect.Effect<Set<string>>

  /**
   * Registers users (as `upsertUsers`) and adds 1 to each one's seq in the same statement (a
   * new user starts at 1); answers the new seq of each, in the order given.
   */
  readonly registerAndNextSeqs: (
    app: string,
    users: ReadonlyArray<UserInput>,
    now: string
  ) => Effect.Effect<ReadonlyArray<number>>
  /** Adds 1 to each user's seq; answers the new seq of each, in the order given. */
  readonly nextSeqs: (app: string, users: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<number>>
  readonly insertNotifications: (app: string, rows: ReadonlyArray<NewNotification>) => Effect.Effect<void>
  readonly insertEntries: (
    app: string,
    entries: ReadonlyArray<StreamEntry>,
    now: string
  ) => Effect.Effect<void>
  readonly recordCall: (
    app: string,
    call: { id: string; email: string | null; recipients: number; online: number; createdAt: string }
  ) => Effect.Effect<void>

  /** The remembered answer for an idempotency key younger than `notBefore`. */
  readonly findIdempotent: (app: string, key: string, notBefore: string) => Effect.Effect<string | undefined>
  readonly saveIdempotent: (app: string, key: string, response: string, now: string) => Effect.Effect<void>

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
  /** Applies a mark; answers the ids it changed (nothing when it changed nothing). */
  readonly mark: (
    app: string,
    user: string,
    kind: MarkKind,
    target: MarkTarget,
    now: string
  ) => Effect.Effect<ReadonlyArray<string>>
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
  /** Drops stream entries older than `before` or beyond `keep` per user, and stale idempotency keys. */
  readonly prune: (before: string, keep: number, keysBefore: string) => Effect.Effect<number>
}

/** The Store service tag. */
export class Store extends Context.Tag("@pushback/server/Store")<Store, StoreShape>() {}
