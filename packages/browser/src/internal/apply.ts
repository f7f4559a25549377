/**
 * Applying one stream entry to a snapshot, as a pure function. Counts stay exact from the
 * stream: an entry lists exactly the ids it changed (PROTOCOL.md §3.3), so a `seen` of an
 * id that is not loaded still lowers `unseen` by one. What cannot be known from the entry
 * alone — whether an unloaded notification that was read or deleted had been seen — is
 * reported, and the client refetches the counts.
 *
 * Applied to a REST answer that may already reflect the entry (`uncertain`: it arrived while
 * the list was loading), it is idempotent: a known notification is not added again, a mark
 * changes counts only for loaded items whose state it changes, and ids that are not loaded
 * change nothing but are reported, so the counts are refetched.
 */
import type { Snapshot } from "../Store.js"
import type { Notification, StreamEntryFrame } from "../types.js"

/** The next snapshot, and whether the counts need a refetch. `now` stamps `seenAt`/`readAt`. */
export const applyEntry = (
  snapshot: Snapshot,
  entry: StreamEntryFrame,
  now: string,
  uncertain = false
): [Snapshot, boolean] => {
  let { notifications, unseen, unread } = snapshot
  if (entry.type === "notification") {
    const n = entry.notification
    // Already loaded over REST (the page and the stream overlap at start): nothing new.
    if (notifications.some((x) => x.id === n.id)) return [snapshot, false]
    notifications = [n, ...notifications]
    if (n.seenAt === null) unseen++
    if (n.readAt === null) unread++
    return [{ ...snapshot, notifications, unseen, unread }, false]
  }
  const ids = new Set(entry.ids)
  let missing = ids.size
  const next: Array<Notification> = []
  for (const n of notifications) {
    if (!ids.has(n.id)) {
      next.push(n)
      continue
    }
    missing--
    const unseenBefore = n.seenAt === null
    const unreadBefore = n.readAt === null
    if (entry.type === "deleted") {
      if (unseenBefore) unseen--
      if (unreadBefore) unread--
    } else if (entry.type === "seen") {
      if (unseenBefore) unseen--
      next.push(unseenBefore ? { ...n, seenAt: now } : n)
    } else {
      if (unseenBefore) unseen--
      if (unreadBefore) unread--
      next.push(unreadBefore ? { ...n, seenAt: n.seenAt ?? now, readAt: now } : n)
    }
  }
  let unknown = false
  if (missing > 0) {
    if (uncertain) unknown = true
    else if (entry.type === "seen") unseen -= missing
    else {
      if (entry.type === "read") unread -= missing
      unknown = true
    }
  }
  const counts = { unseen: Math.max(0, unseen), unread: Math.max(0, unread) }
  return [{ ...snapshot, notifications: next, ...counts }, unknown]
}
