/**
 * Email's part of the Store (PROTOCOL.md §7): what the email sender reads to make a message
 * (the call's content, who has still not seen theirs), the failed jobs the operator lists and
 * retries (`pushback emails failed|retry`), and one call's email counts per recipient. The jobs
 * themselves are outbox rows of kind `email` (outbox/), written with the notify call by
 * sqliteEmailWrites.ts and pgEmails.ts; the reads are portable (emailReads.ts).
 */
import type { CallRecipient, NotifyCall } from "@pushback/protocol"
import type { Effect } from "effect"

/** The outbox kind of email jobs. */
export const EMAIL = "email"

/** One recipient of a message. */
export interface EmailRecipient {
  readonly user: string
  readonly notification: string
  readonly email: string
}

/** What an email job's outbox `payload` holds (as JSON). */
export interface EmailPayload {
  readonly recipients: ReadonlyArray<EmailRecipient>
  /** Send only to the recipients who have not seen (nor deleted) theirs by now. */
  readonly recheck: boolean
}

/** An email job's payload from its JSON text. */
export const emailPayloadOf = (payload: string): EmailPayload => JSON.parse(payload) as EmailPayload

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

/** A call as email reads it back: everything but the pushes, which push adds (push/pushCalls.ts). */
export type EmailCall = Omit<NotifyCall, "push" | "results"> & {
  readonly results: ReadonlyArray<Omit<CallRecipient, "push" | "pushError">>
}

/** Email's part of the Store. */
export interface EmailStoreShape {
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
  ) => Effect.Effect<EmailCall | undefined>
}
