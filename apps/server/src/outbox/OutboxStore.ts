/**
 * The storage port of the outbox: durable jobs that a cause (a notify call, later a push
 * subscription's notification or a webhook event) writes in its own transaction and a sender
 * of the job's `kind` carries out later, at least once (ARCHITECTURE.md "Concepts").
 * Every backend offers the same operations: the next due time, claims under a lease (each job
 * to one node), settlements that only the lease's owner can make, the failed jobs of a kind,
 * and their retry. SQLite runs the writes on its writer thread (sqliteOutbox.ts), PostgreSQL on
 * its pool with `FOR UPDATE SKIP LOCKED` (pgOutbox.ts); the reads are portable (outboxReads.ts).
 */
import { Context, type Effect } from "effect"
import type { StatsCounts } from "../stats/statsBuckets.js"
import type { WebhookEventRow } from "../webhooks/WebhookStore.js"

/** A job to write, inside its cause's transaction (the app and the time are the cause's). */
export interface OutboxRow {
  readonly id: string
  readonly kind: string
  /** What caused it: a notify call, one notification, one user (each null when not one). */
  readonly callId: string | null
  readonly notificationId: string | null
  readonly userId: string | null
  /** The kind's JSON text: what its sender needs to carry the job out. */
  readonly payload: string
  /** When it is first attempted. */
  readonly dueAt: string
}

/** A job a node claimed: it holds it until its lease ends. */
export interface OutboxJob extends Omit<OutboxRow, "dueAt"> {
  readonly app: string
  /** Attempts so far, this one included. */
  readonly attempts: number
}

/** Who holds the jobs of a claim, and until when. */
export interface Lease {
  /** The claiming worker (one per node process): only it may settle what it claimed. */
  readonly owner: string
  readonly until: string
}

/** How an attempt ended, as recorded. */
export type Settlement =
  | {
      readonly state: "sent"
      readonly at: string
      /** What was done, when it differs from what was asked (email: the recipients mailed). */
      readonly payload?: string | undefined
      /** Added to the app's statistics in the same transaction. */
      readonly stats?: StatsCounts | undefined
      /** Webhook events it causes (`email.sent`), queued in the same transaction. */
      readonly events?: ReadonlyArray<WebhookEventRow> | undefined
    }
  | {
      readonly state: "failed"
      readonly at: string
      readonly error: string
      readonly stats?: StatsCounts | undefined
      /** Webhook events it causes (`email.failed`), queued in the same transaction. */
      readonly events?: ReadonlyArray<WebhookEventRow> | undefined
    }
  /** Attempted again at `dueAt`. */
  | { readonly state: "retry"; readonly dueAt: string; readonly error: string }
  /** Nothing left to do (email: all seen it, or the call is gone). */
  | { readonly state: "cancelled"; readonly at: string }

/** A job as the operator sees it. */
export interface OutboxRecord extends OutboxJob {
  readonly state: string
  readonly lastError: string | null
  readonly createdAt: string
  /** When it was sent, failed or cancelled. */
  readonly settledAt: string | null
}

/** The outbox's storage. */
export interface OutboxStoreShape {
  /**
   * When the next queued job of these kinds not held by a node is due (a held one: when its
   * lease ends), or null. A read: an idle worker writes nothing.
   */
  readonly nextDue: (kinds: ReadonlyArray<string>) => Effect.Effect<string | null>
  /** Claims up to `limit` due jobs of `kind` under `lease`; each is taken by one node only. */
  readonly claim: (
    kind: string,
    now: string,
    lease: Lease,
    limit: number
  ) => Effect.Effect<ReadonlyArray<OutboxJob>>
  /**
   * Records how `owner`'s attempt at a job ended; answers false (and changes nothing) when the
   * job is no longer theirs (its lease ended and another node took it).
   */
  readonly settle: (id: string, owner: string, settlement: Settlement) => Effect.Effect<boolean>
  /** Failed jobs of `kind`, newest first, of one app or all. */
  readonly failed: (
    kind: string,
    app: string | undefined,
    limit: number
  ) => Effect.Effect<ReadonlyArray<OutboxRecord>>
  /** Queues failed jobs of `kind` again, due now with a fresh retry budget: the given ids, else all (of `app`). */
  readonly retry: (
    kind: string,
    app: string | undefined,
    ids: ReadonlyArray<string>,
    now: string
  ) => Effect.Effect<number>
}

/** The OutboxStore service tag: provided by each Store backend's layer, beside the Store. */
export class OutboxStore extends Context.Tag("@pushback/server/OutboxStore")<
  OutboxStore,
  OutboxStoreShape
>() {}

/** A claimed `outbox` row (as both backends' claim returns it) as an OutboxJob. */
export const outboxJobOf = (r: Record<string, unknown>): OutboxJob => ({
  id: String(r["id"]),
  kind: String(r["kind"]),
  app: String(r["app"]),
  callId: r["call_id"] === null ? null : String(r["call_id"]),
  notificationId: r["notification_id"] === null ? null : String(r["notification_id"]),
  userId: r["user_id"] === null ? null : String(r["user_id"]),
  payload: String(r["payload"]),
  attempts: Number(r["attempts"])
})
