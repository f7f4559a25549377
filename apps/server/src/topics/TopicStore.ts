/**
 * The storage port of topics (PROTOCOL.md §11): an app's topics, who follows each, and which
 * topics a user muted. Like push's, it is a tag of its own that each backend's layer provides
 * beside the Store, so topics' handlers name exactly this port. SQLite's writes are plain
 * functions on the writer thread (sqliteTopicWrites.ts), PostgreSQL's run on its pool
 * (pgTopics.ts), the reads are portable (topicReads.ts). Expanding a topic into a notify
 * call's audience is the notify write path's (storage/sqlite/sqliteWrites.ts, pgNotify.ts).
 */
import { Context, type Effect } from "effect"
import type { UserInput } from "../tenancy/TenancyStore.js"

/** A topic as stored, with how many users follow it. */
export interface TopicRecord {
  readonly key: string
  readonly name: string | null
  readonly selfSubscribe: boolean
  readonly subscribers: number
  readonly createdAt: string
}

/** What a `PUT` sets; what is undefined stays (a new topic: no name, no self-subscription). */
export interface TopicChange {
  readonly name?: string | null | undefined
  readonly selfSubscribe?: boolean | undefined
}

/** One of a user's topics, as they see it. */
export interface UserTopic {
  readonly key: string
  readonly name: string | null
  readonly muted: boolean
}

/** The TopicStore interface. Storage failures are defects (500). */
export interface TopicStoreShape {
  /** Creates or changes a topic; `created` when it did not exist. */
  readonly put: (
    app: string,
    key: string,
    change: TopicChange,
    now: string
  ) => Effect.Effect<{ readonly topic: TopicRecord; readonly created: boolean }>
  readonly get: (app: string, key: string) => Effect.Effect<TopicRecord | undefined>
  /** A page of the app's topics in key order; `prefix` narrows it. */
  readonly list: (
    app: string,
    prefix: string | undefined,
    limit: number,
    offset: number
  ) => Effect.Effect<{ readonly count: number; readonly topics: ReadonlyArray<TopicRecord> }>
  /** Deletes a topic and its subscriptions and mutes; false when there was none. */
  readonly remove: (app: string, key: string) => Effect.Effect<boolean>
  /** Adds users (registering unknown ones); how many were not subscribed yet, undefined: no topic. */
  readonly subscribe: (
    app: string,
    key: string,
    users: ReadonlyArray<UserInput>,
    now: string
  ) => Effect.Effect<number | undefined>
  /** Removes users; how many were subscribed, undefined: no topic. */
  readonly unsubscribe: (
    app: string,
    key: string,
    users: ReadonlyArray<string>
  ) => Effect.Effect<number | undefined>
  /** A page of a topic's subscribers (ids, in id order); undefined: no topic. */
  readonly subscribers: (
    app: string,
    key: string,
    limit: number,
    offset: number
  ) => Effect.Effect<{ readonly count: number; readonly users: ReadonlyArray<string> } | undefined>
  /** The keys of the topics a user follows, in key order. */
  readonly topicsOf: (app: string, user: string) => Effect.Effect<ReadonlyArray<string>>
  /** The topics a user follows, with their names and whether the user muted each. */
  readonly userTopics: (app: string, user: string) => Effect.Effect<ReadonlyArray<UserTopic>>
  /** Mutes (or unmutes) topics for a user: their in-app notifications through them stop. */
  readonly setMutes: (
    app: string,
    user: string,
    mutes: ReadonlyArray<readonly [key: string, muted: boolean]>
  ) => Effect.Effect<void>
}

/** The TopicStore service tag. */
export class TopicStore extends Context.Tag("@pushback/server/TopicStore")<TopicStore, TopicStoreShape>() {}
