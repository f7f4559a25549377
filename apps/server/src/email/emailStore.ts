/**
 * The Store's email outbox (PROTOCOL.md §7), as every backend offers it: the jobs a notify
 * call wrote in its own transaction are claimed under a lease by the node that sends them,
 * settled once sent or failed, listed and retried by the operator, and summed up per call.
 * Types only; SQLite runs the writes on its writer thread (sqliteEmailWrites.ts), PostgreSQL on
 * its pool with `FOR UPDATE SKIP LOCKED` (pgEmails.ts); the reads are portable (emailReads.ts).
 */
import type { NotifyCall } from "@pushback/protocol"
import type { Effect } from "effect"

/** One recipient of a message. */
export interface EmailRecipient {
  readonly user: string
  readonly notification: string
  readonly email: string
}

/** A job a node claimed: it holds it until its lease ends. */
export interface ClaimedEmail {
  readonly id: string
  readonly app: string
  readonly callId: string
  /** Null for a call's `bcc` job. */
  readonly notificationId: string | null
  readonly recipients: ReadonlyArray<EmailRecipient>
  /** Send only to the recipients who have not seen (nor deleted) theirs by now. */
  readonly recheck: boolean
  /** Attempts so far, this one included. */
  readonly attempts: number
}

/** How a claimed job ended. */
export type EmailSettlement =
  | { readonly state: "sent"; readonly at: string; readonly recipients: ReadonlyArray<EmailRecipient> }
  | { readonly state: "failed"; readonly at: string; readonly error: string }
  | { readonly state: "retry"; readonly dueAt: string; readonly error: string }
  /** Nobody left to mail (all seen it, or the call is gone). */
  | { readonly state: "cancelled" }

/** What a message is made of: the call's shared fields and its `email` block. */
export interface CallContent {
  readonly type: string | null
  readonly title: string | null
  /** JSON text. */
  readonly content: string
  readonly url: string | null
  /** The `email` block as JSON text. */
  readonly email: string | null
}

/** A job as the operator sees it (`pushback emails failed`). */
export interface EmailJobRecord {
  readonly id: string
  readonly app: string
  readonly callId: string
  readonly to: ReadonlyArray<string>
  readonly state: string
  readonly attempts: number
  readonly lastError: string | null
  readonly createdAt: string
  readonly failedAt: string | null
}

/** The outbox part of the Store. */
export interface EmailStoreShape {
  /** When the next queued job not held by a node is due, or null (a read: idle polls write nothing). */
  readonly nextDue: Effect.Effect<string | null>
  /** Claims up to `limit` due jobs until `leaseUntil`; each is taken by one node only. */
  readonly claim: (
    now: string,
    leaseUntil: string,
    limit: number
  ) => Effect.Effect<ReadonlyArray<ClaimedEmail>>
  readonly settle: (id: string, outcome: EmailSettlement) => Effect.Effect<void>
  readonly content: (app: string, callId: string) => Effect.Effect<CallContent | undefined>
  /** Of these notifications, the ones that still exist and have no `seenAt`. */
  readonly unseen: (app: string, ids: ReadonlyArray<string>) => Effect.Effect<ReadonlySet<string>>
  /** Failed jobs, newest first, of one app or all. */
  readonly failed: (app: string | undefined, limit: number) => Effect.Effect<ReadonlyArray<EmailJobRecord>>
  /** Queues failed jobs again, due now with a fresh retry budget: the given ids, else all (of `app`). */
  readonly retry: (app: string | undefined, ids: ReadonlyArray<string>, now: string) => Effect.Effect<number>
  /** A notify call with its email counts and a page of recipients, or undefined. */
  readonly call: (
    app: string,
    callId: string,
    limit: number,
    offset: number
  ) => Effect.Effect<NotifyCall | undefined>
}
