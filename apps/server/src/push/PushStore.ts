/**
 * The storage port of Web Push (PROTOCOL.md §14): the cluster's VAPID key pair (kept once, by
 * the first node to start), each user's subscriptions (one per endpoint of an app, at most a
 * few per user, the oldest going first), and what the push sender reads to make a message.
 * Like the outbox's port it is a tag of its own that each backend's layer provides beside the
 * Store, so push's handlers name exactly this port. SQLite writes are plain functions over
 * prepared statements (sqlitePushWrites.ts), PostgreSQL's run on its pool (pgPush.ts), the
 * reads are portable (pushReads.ts).
 */
import type { NotifyCall } from "@pushback/protocol"
import { Context, type Effect } from "effect"
import type { EmailCall } from "../email/emailStore.js"

/** The outbox kind of push jobs. */
export const PUSH = "push"

/** A VAPID key pair, base64url (the public key uncompressed, 65 bytes; the private 32). */
export interface VapidKeys {
  readonly publicKey: string
  readonly privateKey: string
}

/** A subscription as a browser's `PushSubscription.toJSON()` gives it, checked. */
export interface SubscriptionInput {
  readonly endpoint: string
  readonly p256dh: string
  readonly auth: string
  readonly expirationTime: number | null
  readonly userAgent: string | null
}

/** A stored subscription, as its user and the backend see it (no keys). */
export interface SubscriptionRecord {
  readonly id: string
  readonly endpoint: string
  readonly expirationTime: number | null
  readonly userAgent: string | null
  readonly createdAt: string
}

/** A stored subscription with what a message to it needs. */
export interface SubscriptionTarget extends SubscriptionRecord {
  readonly user: string
  readonly p256dh: string
  readonly auth: string
}

/** A notification as a push message shows it: its own fields and its call's. */
export interface PushContent {
  readonly id: string
  readonly user: string
  readonly type: string | null
  readonly title: string | null
  /** JSON text. */
  readonly content: string
  readonly url: string | null
  readonly icon: string | null
  readonly image: string | null
  /** JSON text or null. */
  readonly data: string | null
  /** The call's `push` block, JSON text. */
  readonly push: string | null
  readonly seenAt: string | null
}

/** Push's storage. */
export interface PushStoreShape {
  /** The stored key pair; `fresh` is kept when there is none yet (the first node's), and answered. */
  readonly keepKeys: (fresh: VapidKeys) => Effect.Effect<VapidKeys>
  /**
   * Stores `sub` for `user` (the same endpoint again updates it, also moving it to `user`) under
   * `id` when new; the user's oldest go beyond `max`. Answers the subscription's id.
   */
  readonly subscribe: (
    app: string,
    user: string,
    id: string,
    sub: SubscriptionInput,
    now: string,
    max: number
  ) => Effect.Effect<string>
  /** Removes one of `user`'s subscriptions; false when they have none with that id. */
  readonly unsubscribe: (app: string, user: string, id: string) => Effect.Effect<boolean>
  /** Removes a subscription the push service says is gone (404/410). */
  readonly forget: (app: string, id: string) => Effect.Effect<void>
  /** A user's subscriptions, oldest first. */
  readonly list: (app: string, user: string) => Effect.Effect<ReadonlyArray<SubscriptionRecord>>
  /** One subscription with its keys, or undefined when it is gone. */
  readonly target: (app: string, id: string) => Effect.Effect<SubscriptionTarget | undefined>
  /** A notification with its call's content, or undefined when it is gone (deleted, or its user). */
  readonly content: (app: string, notificationId: string) => Effect.Effect<PushContent | undefined>
  /** A call as email read it back, with its push counts and each recipient's push state added. */
  readonly call: (app: string, call: EmailCall) => Effect.Effect<NotifyCall>
}

/** The PushStore service tag: provided by each Store backend's layer, beside the Store. */
export class PushStore extends Context.Tag("@pushback/server/PushStore")<PushStore, PushStoreShape>() {}
