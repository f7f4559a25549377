/**
 * Who of a notify call's recipients gets a push, on which of their browsers (PROTOCOL.md §14):
 * the `push` outbox rows both stores write inside the call's transaction, one per recipient's
 * subscription. `send`/`force`/`after` mean what they mean for email (§7). Pure, so SQLite's
 * writer thread and PostgreSQL's pool decide the same way from the same facts.
 */
import { recipientId } from "../notify/Encode.js"
import type { OutboxRow } from "../outbox/OutboxStore.js"
import { PUSH } from "./PushStore.js"

/** What a notify call's `push` block asks for, once the server knows it can push. */
export interface PushPlan {
  /** `force`: every recipient's subscriptions; else `send`: the offline ones' (see `after`). */
  readonly force: boolean
  /** Seconds to wait; with `send`, then only to those who have not seen theirs. */
  readonly after: number
}

/** What a push job's outbox `payload` holds (as JSON). */
export interface PushPayload {
  /** The subscription it goes to. */
  readonly subscription: string
  /** Push only if the notification is still unseen (a delayed `send`). */
  readonly recheck: boolean
}

/** The facts a plan is made from, read inside the call's transaction. */
export interface PushFacts {
  /** The call's id stem (recipient `i`'s notification is `recipientId(stem, i)`). */
  readonly stem: string
  readonly callId: string
  /** The recipients, in notification order. */
  readonly users: ReadonlyArray<string>
  /** Who had a live session when the call was stored. */
  readonly online: ReadonlyArray<string>
  /** Each recipient's subscription ids (none: absent). */
  readonly subscriptions: ReadonlyMap<string, ReadonlyArray<string>>
  /** Recipients whose preference for the call's type says `push: false`. */
  readonly pushOff: ReadonlySet<string>
  readonly createdAt: string
}

/** The jobs of a call, and how many recipients who would have been pushed to had no subscription. */
export const planPushes = (
  plan: PushPlan,
  facts: PushFacts
): { jobs: ReadonlyArray<OutboxRow>; skipped: number } => {
  const live = new Set(facts.online)
  const recheck = !plan.force && plan.after > 0
  const dueAt = new Date(Date.parse(facts.createdAt) + plan.after * 1000).toISOString()
  const jobs: Array<OutboxRow> = []
  let skipped = 0
  facts.users.forEach((user, i) => {
    if (facts.pushOff.has(user)) return
    if (!plan.force && plan.after === 0 && live.has(user)) return
    const subs = facts.subscriptions.get(user) ?? []
    if (subs.length === 0) {
      skipped++
      return
    }
    const notification = recipientId(facts.stem, i)
    for (const subscription of subs) {
      const payload: PushPayload = { subscription, recheck }
      jobs.push({
        id: `psh_${facts.stem}_${i.toString(36)}_${subscription}`,
        kind: PUSH,
        callId: facts.callId,
        notificationId: notification,
        userId: user,
        payload: JSON.stringify(payload),
        dueAt
      })
    }
  })
  return { jobs, skipped }
}
