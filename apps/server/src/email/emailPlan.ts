/**
 * Who of a notify call's recipients gets an email, and in how many messages (PROTOCOL.md §7):
 * the `email` outbox rows both stores write inside the call's transaction. Pure, so SQLite's
 * writer thread and PostgreSQL's pool decide the same way from the same facts.
 */
import { recipientId } from "../notify/Encode.js"
import type { OutboxRow } from "../outbox/OutboxStore.js"
import { EMAIL, type EmailPayload, type EmailRecipient } from "./emailStore.js"

/** What a notify call's `email` block asks for, once the server knows it can send mail. */
export interface EmailPlan {
  /** `force`: every recipient with an address; else `send`: the offline ones (see `after`). */
  readonly force: boolean
  /** Seconds to wait; with `send`, then only those who have not seen theirs get one. */
  readonly after: number
  /** One message for the whole call, everybody in Bcc. */
  readonly bcc: boolean
}

/** The facts a plan is made from, read inside the call's transaction. */
export interface EmailFacts {
  /** The call's id stem (recipient `i`'s notification is `recipientId(stem, i)`). */
  readonly stem: string
  readonly callId: string
  /** The recipients, in notification order. */
  readonly users: ReadonlyArray<string>
  /** Who had a live session when the call was stored. */
  readonly online: ReadonlyArray<string>
  /** Each recipient's stored address (absent or null: none). */
  readonly addresses: ReadonlyMap<string, string | null>
  /** Recipients whose preference for the call's type says `email: false`. */
  readonly emailOff: ReadonlySet<string>
  readonly createdAt: string
}

/** The job id of recipient `i`'s message, or of the call's one `bcc` message. */
const jobId = (stem: string, i?: number) =>
  i === undefined ? `eml_${stem}` : `eml_${stem}_${i.toString(36)}`

/** The outbox row of one message. */
const row = (
  id: string,
  callId: string,
  to: EmailRecipient | undefined,
  payload: EmailPayload,
  dueAt: string
): OutboxRow => ({
  id,
  kind: EMAIL,
  callId,
  notificationId: to?.notification ?? null,
  userId: to?.user ?? null,
  payload: JSON.stringify(payload),
  dueAt
})

/** The jobs of a call and how many recipients who would have been emailed had no address. */
export const planEmails = (
  plan: EmailPlan,
  facts: EmailFacts
): { jobs: ReadonlyArray<OutboxRow>; skipped: number } => {
  const live = new Set(facts.online)
  const recheck = !plan.force && plan.after > 0
  const dueAt = new Date(Date.parse(facts.createdAt) + plan.after * 1000).toISOString()
  const chosen: Array<{ i: number; to: EmailRecipient }> = []
  let skipped = 0
  facts.users.forEach((user, i) => {
    if (facts.emailOff.has(user)) return
    // `send` without a delay: only who had no live session anywhere when the call was stored.
    if (!plan.force && plan.after === 0 && live.has(user)) return
    const email = facts.addresses.get(user) ?? null
    if (email === null || email === "") {
      skipped++
      return
    }
    chosen.push({ i, to: { user, notification: recipientId(facts.stem, i), email } })
  })
  if (chosen.length === 0) return { jobs: [], skipped }
  if (plan.bcc) {
    const recipients = chosen.map((c) => c.to)
    return {
      jobs: [row(jobId(facts.stem), facts.callId, undefined, { recipients, recheck }, dueAt)],
      skipped
    }
  }
  const jobs = chosen.map(({ i, to }) =>
    row(jobId(facts.stem, i), facts.callId, to, { recipients: [to], recheck }, dueAt)
  )
  return { jobs, skipped }
}
