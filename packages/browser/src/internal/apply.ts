/**
 * Applying one stream entry, as a pure function: the next list of loaded notifications, and
 * the entry's effect on the counts. An entry lists exactly the ids it changed (PROTOCOL.md
 * §3.3), so a `notification` or a `seen` entry always tells its effect; a `read` or
 * `deleted` entry tells it only when every id is loaded with a known state (was it seen?
 * was it read?). Otherwise the effect is unknown and the client recounts over REST.
 *
 * A loaded item may be ahead of the entry: a REST page read after it already shows its change.
 * A `read` entry lists only ids that were unread, so an item it lists that already shows read
 * says nothing about whether it was seen before: the effect is unknown.
 *
 * Applied to a REST page that may already reflect the entry (`uncertain`: it arrived while
 * the list was loading), the list change is idempotent — a known notification is not added
 * again, a mark only changes items whose state it changes — and the state of loaded items
 * proves nothing about before the entry, so `read` and `deleted` effects are unknown.
 */
import type { Notification, StreamEntryFrame } from "../types.js"

/** A change of the counts. */
export interface Delta {
  readonly unseen: number
  readonly unread: number
}

/** The next list, and the entry's effect on the counts (undefined: unknown, recount). */
export interface Applied {
  readonly notifications: ReadonlyArray<Notification>
  readonly delta: Delta | undefined
}

/** Applies `entry` to the loaded `notifications`. `now` stamps `seenAt`/`readAt`. */
export const applyEntry = (
  notifications: ReadonlyArray<Notification>,
  entry: StreamEntryFrame,
  now: string,
  uncertain = false
): Applied => {
  if (entry.type === "notification") {
    const n = entry.notification
    return {
      // Already loaded over REST (the page and the stream overlap at start): not added again.
      notifications: notifications.some((x) => x.id === n.id) ? notifications : [n, ...notifications],
      delta: { unseen: +(n.seenAt === null), unread: +(n.readAt === null) }
    }
  }
  const ids = new Set(entry.ids)
  let found = 0
  let unseen = 0
  let unread = 0
  const next: Array<Notification> = []
  for (const n of notifications) {
    if (!ids.has(n.id)) {
      next.push(n)
      continue
    }
    found++
    if (n.seenAt === null) unseen++
    if (n.readAt === null) unread++
    if (entry.type === "seen") next.push(n.seenAt === null ? { ...n, seenAt: now } : n)
    else if (entry.type === "read")
      next.push(n.readAt === null ? { ...n, seenAt: n.seenAt ?? now, readAt: now } : n)
  }
  // Every id loaded — and for a read, every one still unread (not ahead of the entry).
  const known = !uncertain && (entry.type === "read" ? unread : found) === ids.size
  const delta =
    entry.type === "seen"
      ? { unseen: -ids.size, unread: 0 }
      : known
        ? { unseen: -unseen, unread: -unread }
        : undefined
  return { notifications: next, delta }
}
