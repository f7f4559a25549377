/**
 * The storage port of a user's inbox: lists, one notification, marks (each with its one
 * stream entry, in one transaction) and counts. Part of the Store (storage/Store.ts).
 */
import type { Effect } from "effect"
import type { StreamEntry } from "../notify/Encode.js"
import type { ListFilter, MarkKind, MarkTarget, NotificationRecord } from "./records.js"

/** A user's inbox, as stored. */
export interface InboxStore {
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
   * Answers the ids it changed (in seq order), the entry to publish, and how many outbox jobs
   * (webhook events) it queued.
   */
  readonly mark: (
    app: string,
    user: string,
    kind: MarkKind,
    target: MarkTarget,
    now: string
  ) => Effect.Effect<{ ids: ReadonlyArray<string>; entries: ReadonlyArray<StreamEntry>; queued?: number }>
  /** The user's counts and, from the same snapshot, their latest seq (what they reflect). */
  readonly counts: (
    app: string,
    user: string
  ) => Effect.Effect<{ unseen: number; unread: number; total: number; cursor: number }>
}
