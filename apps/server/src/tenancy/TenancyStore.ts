/**
 * The storage port of tenancy: apps (tenants) and their secrets, users, event types and
 * preferences. Part of the Store (storage/Store.ts); every method takes the app id, since
 * tenancy is part of every key and every query.
 */
import type { Effect } from "effect"
import type { Plain } from "../http/plain.js"

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

/** A type preference. */
export interface PreferenceRecord {
  readonly type: string
  readonly inApp: boolean
  readonly email: boolean
  /** Web Push (PROTOCOL.md §14). */
  readonly push: boolean
}

/** Apps, users, event types and preferences, as stored. */
export interface TenancyStore {
  readonly createApp: (app: AppRecord) => Effect.Effect<void>
  readonly listApps: Effect.Effect<ReadonlyArray<AppRecord>>
  /** From memory once read; reloaded when any process changes the apps. */
  readonly getApp: (id: string) => Effect.Effect<AppRecord | undefined>
  /**
   * `getApp` as plain code (http/plain.ts), for the notify path: at once when in memory. Only
   * for ids that cannot hold U+0000 (an app secret's), which no store is asked about.
   */
  readonly findApp: (id: string) => Plain<AppRecord | undefined>
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
  /** `listEventTypes` as plain code, for the notify path (an authenticated app's id). */
  readonly findEventTypes: (app: string) => Plain<ReadonlyArray<EventTypeRecord>>
  readonly deleteEventType: (app: string, name: string) => Effect.Effect<boolean>
  readonly getPreferences: (app: string, user: string) => Effect.Effect<ReadonlyArray<PreferenceRecord>>
  readonly putPreferences: (
    app: string,
    user: string,
    prefs: ReadonlyArray<PreferenceRecord>
  ) => Effect.Effect<void>
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
}
