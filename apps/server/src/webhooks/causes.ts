/**
 * The events of the write path (PROTOCOL.md §15), built where they happen and written in the same
 * transaction as their cause by each backend (sqliteWebhookWrites.ts, pgWebhooks.ts): a mark's
 * `notification.seen|read|deleted` (one per notification it changed, in seq order), the
 * receipts' `notification.delivered`, and whatever an outbox settlement carries (`email.sent`,
 * `email.failed`), grouped by app and type for the one fan-out statement each.
 */
import type { MarkKind } from "../inbox/records.js"
import type { Receipt } from "../stream/StreamStore.js"
import { webhookEvent } from "./events.js"
import type { WebhookEventRow } from "./WebhookStore.js"

/** The event type of a mark. */
export const markType = (kind: MarkKind): string => `notification.${kind}`

/** A mark's events: `rows` are `[id, seq, callId]` of the notifications it changed, sorted by seq. */
export const markEvents = (
  app: string,
  user: string,
  kind: MarkKind,
  rows: ReadonlyArray<readonly [string, number, string | null]>,
  now: string
): ReadonlyArray<WebhookEventRow> =>
  rows.map(([notification, , call]) =>
    webhookEvent(app, markType(kind), { user, notification, ...(call === null ? {} : { call }) }, now)
  )

/** First deliveries by app, each with its events (made when called). */
export const deliveredByApp = (
  receipts: ReadonlyArray<Receipt>
): Map<string, () => ReadonlyArray<WebhookEventRow>> => {
  const byApp = new Map<string, Array<Receipt>>()
  for (const r of receipts) {
    const list = byApp.get(r.app)
    if (list === undefined) byApp.set(r.app, [r])
    else list.push(r)
  }
  return new Map(
    [...byApp].map(([app, rs]) => [
      app,
      () =>
        rs.map((r) => webhookEvent(app, "notification.delivered", { user: r.user, notification: r.id }, r.at))
    ])
  )
}

/** Events grouped by their type (a settlement's, which may mix types). */
export const byType = (events: ReadonlyArray<WebhookEventRow>): Map<string, Array<WebhookEventRow>> => {
  const groups = new Map<string, Array<WebhookEventRow>>()
  for (const e of events) {
    const list = groups.get(e.type)
    if (list === undefined) groups.set(e.type, [e])
    else list.push(e)
  }
  return groups
}
