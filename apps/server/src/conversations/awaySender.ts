/**
 * Away members (PROTOCOL.md §13), an outbox sender: a member with no live session when a message
 * was stored got a job in that message's transaction, due `notifyAfter` s later (one per member
 * and conversation while one is pending: the quiet period). When it is due, the sender takes the
 * pending mark (a message after that starts a new period) and, if the member has still not read
 * every message of others, notifies them once through the notify path: an inbox notification of
 * type `message` ("3 new messages from Ana") that then follows the email (§7) and Web Push (§14)
 * rules and the member's preferences like any other. The job id is the notify call's idempotency
 * key, so a resend after a crash stores nothing twice.
 *
 * The notify path (Delivery) is built after the outbox, which it uses, so the sender reaches it
 * through a handle filled once the node's services are made (`LateDelivery`).
 */
import { Context, Deferred, Effect, Layer } from "effect"
import { attempt } from "../http/plain.js"
import { Delivery, type DeliveryShape } from "../notify/Delivery.js"
import type { OutboxJob } from "../outbox/OutboxStore.js"
import { exponentialRetry, type SenderSlot, type SendResult } from "../outbox/Sender.js"
import { type AwayClaim, AWAY, ConversationStore } from "./ConversationStore.js"

/** The event type of an away member's notification. */
export const MESSAGE_TYPE = "message"

/** The notify path, once the node has made it. */
export class LateDelivery extends Context.Tag("@pushback/server/LateDelivery")<
  LateDelivery,
  Deferred.Deferred<DeliveryShape>
>() {}

/** An empty handle, filled by `layerDeliveryHandoff`. */
export const layerLateDelivery = Layer.effect(LateDelivery, Deferred.make<DeliveryShape>())

/** Fills the handle with the node's Delivery. */
export const layerDeliveryHandoff = Layer.effectDiscard(
  Effect.gen(function* () {
    yield* Deferred.succeed(yield* LateDelivery, yield* Delivery)
  })
)

/** "3 new messages from Ana", "a new message from Ana and Bob", "5 new messages from Ana, Bob and 2 others". */
export const summaryOf = (claim: AwayClaim): string => {
  const n = claim.unread.length
  const what = n === 1 ? "a new message" : `${n >= 100 ? "100+" : n} new messages`
  const authors = [...new Set(claim.unread.flatMap((m) => (m.author === null ? [] : [m.author])))]
  const names = authors.map((a) => claim.names[a] ?? a)
  if (names.length === 0) return what
  if (names.length <= 2) return `${what} from ${names.join(" and ")}`
  return `${what} from ${names[0]}, ${names[1]} and ${names.length - 2} other${names.length === 3 ? "" : "s"}`
}

/** What the job's payload holds. */
const conversationOf = (job: OutboxJob): string =>
  String((JSON.parse(job.payload) as { conversation: string }).conversation)

/** The away sender, with the conversations' store and the notify path's handle in context. */
export const awaySender: Effect.Effect<SenderSlot, never, ConversationStore | LateDelivery> = Effect.gen(
  function* () {
    const store = yield* ConversationStore
    const late = yield* LateDelivery
    const send = (job: OutboxJob): Effect.Effect<SendResult> =>
      Effect.gen(function* () {
        const user = job.userId
        if (user === null) return { _tag: "Cancelled" } as const
        const conversation = conversationOf(job)
        // A retry (the first attempt may have notified before a crash) reads without the mark.
        const claim = yield* store.claimAway(job.app, conversation, user, job.attempts > 1)
        if (claim === undefined || claim.unread.length === 0) return { _tag: "Cancelled" } as const
        const delivery = yield* Deferred.await(late)
        const last = claim.unread[claim.unread.length - 1]!
        const outcome = yield* attempt(() =>
          delivery.notify(
            job.app,
            {
              users: [user],
              type: MESSAGE_TYPE,
              title: claim.title ?? "New messages",
              content: summaryOf(claim),
              data: { conversation, seq: last.seq, count: claim.unread.length },
              email: { send: true },
              push: { send: true },
              idempotencyKey: job.id
            },
            undefined
          )
        ).pipe(Effect.either)
        if (outcome._tag === "Right") return { _tag: "Sent" } as const
        // A repeat with other unread messages: the first attempt's notification stands.
        if (outcome.left.code === "conflict") return { _tag: "Sent" } as const
        return {
          _tag: "Failed",
          error: outcome.left.message,
          permanent: outcome.left.code !== "unavailable"
        } as const
      }).pipe(
        // Storage down for a moment: tried again later (the outbox counts a defect as final).
        Effect.catchAllDefect((defect) =>
          Effect.succeed<SendResult>({ _tag: "Failed", error: String(defect), permanent: false })
        )
      )
    return {
      kind: AWAY,
      send,
      retryIn: exponentialRetry({ retryMs: 5000, retryMaxMs: 300_000, retryForSeconds: 86_400 }),
      leaseMs: 60_000,
      pollMs: 5000
    }
  }
)
