/**
 * The storage port of user streams: resume after a cursor, delivery receipts, and the
 * positions that repair a lost wake-up. Part of the Store (storage/Store.ts).
 */
import type { Effect } from "effect"
import type { StreamEntry } from "../notify/Encode.js"

/** A notification's first write to a session (recorded in batches, see Receipts.ts). */
export interface Receipt {
  readonly app: string
  readonly user: string
  /** The notification's id. */
  readonly id: string
  /** When it was written (ISO-8601). */
  readonly at: string
}

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

/** User streams, as stored. */
export interface StreamStore {
  /** The stream after `cursor`, with the bounds needed to decide between resume and reset. */
  readonly streamAfter: (
    app: string,
    user: string,
    cursor: number,
    limit: number
  ) => Effect.Effect<StreamWindow>
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
}
