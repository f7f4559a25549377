/**
 * The storage port of notify: a whole notify call stored in one transaction (idempotency,
 * audience, each recipient's seq, notifications, stream entries, email and push jobs), and the calls
 * as the operator lists them. Part of the Store (storage/Store.ts).
 */
import type { NotifyResponse } from "@pushback/protocol"
import type { Effect } from "effect"
import type { EmailPlan } from "../email/emailPlan.js"
import type { PushPlan } from "../push/pushPlan.js"
import type { UserInput } from "../tenancy/TenancyStore.js"
import type { SharedNotification, StreamEntry } from "./Encode.js"

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
  /**
   * The named recipients (registered by the call); undefined with no `topics`: every registered
   * user; undefined with `topics`: only the topics' subscribers.
   */
  readonly users: ReadonlyArray<UserInput> | undefined
  /** Topics whose subscribers get it too, each user once, through the first that holds them (§11). */
  readonly topics?: ReadonlyArray<string> | undefined
  /** Users who get nothing from the call, however it names them. */
  readonly exclude?: ReadonlyArray<string> | undefined
  /** Of the candidates, who had a live session when the call was made (for `online`). */
  readonly online: ReadonlyArray<string>
  /** The call's `email` block as JSON text, or null. */
  readonly email: string | null
  /** Whom to email, when the block asks for mail and an SMTP server is configured. */
  readonly emailPlan: EmailPlan | undefined
  /** The call's `push` block as JSON text, or null (PROTOCOL.md §14). */
  readonly push?: string | null | undefined
  /** Whom to push to, when the block asks for it and a VAPID subject is configured. */
  readonly pushPlan?: PushPlan | undefined
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
  /** A topic the call names does not exist: nothing stored. */
  | { readonly _tag: "UnknownTopic"; readonly key: string }

/** Notify calls, as stored. */
export interface NotifyStore {
  /**
   * Stores a notify call in one transaction: the idempotency key, the audience (preferences
   * applied), each recipient's next seq, their notifications and stream entries, the call.
   * Answers once committed (a 2xx means on disk); concurrent calls may share one commit.
   * A promise (http/plain.ts): it is on every notify's path.
   */
  readonly notify: (job: NotifyJob) => Promise<NotifyOutcome>
  /** The app's notify calls, newest first, with their counts. */
  readonly listCalls: (
    app: string,
    limit: number,
    offset: number
  ) => Effect.Effect<{ count: number; calls: ReadonlyArray<CallSummary> }>
}
