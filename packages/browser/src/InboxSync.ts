/**
 * InboxSync: the loaded notifications and the unseen and unread counts as a pure reducer over
 * what reaches the client — stream entries in `seq` order and the answers to its REST reads — so
 * that every interleaving of the two can be replayed and checked (test/inboxSync.property.test.ts).
 * It asks for reads by returning effects; the client performs them and feeds the answers back.
 *
 * The list is loaded over REST only once the stream has a cursor: everything up to the cursor is
 * then in the answer, everything after it comes on the stream. Entries that arrive during the load
 * are held and applied to the page after it, idempotently (the page may already reflect them).
 *
 * The counts are exact by construction: the counts shown are the last counts answer plus the
 * effect of every entry after the `seq` that answer reflects (its `PushBack-Cursor` header), and an
 * entry at or below that `seq` leaves them alone. The ledger keeps the effects of the entries
 * applied while a recount is out (only those can be newer than its answer); an entry whose effect
 * is unknown (a read or delete of notifications that are not loaded) asks again. An answer older
 * than the one the counts already rest on is dropped.
 */
import { applyEntry, type Delta } from "./internal/apply.js"
import type { Counts, Notification, NotificationList, StreamEntryFrame } from "./types.js"

/** What the store shows of the inbox. */
export interface View {
  readonly notifications: ReadonlyArray<Notification>
  readonly unseen: number
  readonly unread: number
  readonly hasMore: boolean
}

/** The list: 0 not loaded (yet, or the last load failed), 1 loading (entries held meanwhile), 2 loaded. */
export type List =
  | { readonly type: 0 }
  | { readonly type: 1; readonly id: number; readonly held: ReadonlyArray<StreamEntryFrame> }
  | { readonly type: 2 }

/**
 * A recount (`GET /v1/me/counts` on its own): 0 none out, 1 one out, 2 one out and another wanted
 * once it answers (an entry of unknown effect came meanwhile), or 3 the last one failed (ask again
 * at the next sign of the server: `need`). Numbers, not names: the core's size budget.
 */
export type Recount = 0 | 1 | 2 | 3

/** The whole state; `view` is a new object only when what the store shows changed. */
export interface Inbox {
  readonly view: View
  readonly list: List
  /** The id of the last load asked for; an answer to an older one is dropped. */
  readonly loads: number
  /** The `seq` the counts answer in `view` reflects; -1 before the first. */
  readonly countedAt: number
  /** The count effects of the entries applied while a recount is out (undefined: unknown). */
  readonly ledger: ReadonlyArray<{ readonly seq: number; readonly delta: Delta | undefined }>
  readonly recount: Recount
}

/** What InboxSync reacts to. `now` stamps `seenAt`/`readAt` of marked items. */
export type InboxEvent =
  /**
   * The stream has a cursor and the server answers (a `welcome`, a connection, the next entry):
   * load the list if it is not loaded or loading, and ask again for counts that failed.
   */
  | { readonly type: "need" }
  /** The cursor cannot be resumed (`reset`), or a tab that follows saw a gap: load again. */
  | { readonly type: "reload" }
  /** The next stream entry. */
  | { readonly type: "entry"; readonly entry: StreamEntryFrame; readonly now: string }
  /** The answers of load `id`: counts with the `seq` they reflect, and the first page. */
  | {
      readonly type: "loaded"
      readonly id: number
      readonly counts: Counts
      readonly through: number
      readonly page: NotificationList
      readonly now: string
    }
  /** The answer of a recount, with the `seq` it reflects. */
  | { readonly type: "counted"; readonly counts: Counts; readonly through: number }
  /** Load `id` failed, or (without `id`) the recount. */
  | { readonly type: "failed"; readonly id?: number }
  /** The next page of older notifications (`loadMore`). */
  | { readonly type: "more"; readonly page: NotificationList }

/** A read for the client to make: load `id` (counts and the first page), or a recount. */
export type InboxEffect = { readonly type: "load"; readonly id: number } | { readonly type: "count" }

/** The state before anything is known. */
export const emptyInbox: Inbox = {
  view: { notifications: [], unseen: 0, unread: 0, hasMore: false },
  list: { type: 0 },
  loads: 0,
  countedAt: -1,
  ledger: [],
  recount: 0
}

type Step = [Inbox, ReadonlyArray<InboxEffect>]

const COUNT: InboxEffect = { type: "count" }

/**
 * Whether `entry` is a notification older than the last one loaded while more pages follow: the
 * REST read already covered it, beyond the page (`loadMore` brings it), so it is not shown on top.
 */
const beyond = (list: ReadonlyArray<Notification>, hasMore: boolean, entry: StreamEntryFrame) =>
  hasMore && entry.type === "notification" && entry.notification.createdAt < (list.at(-1)?.createdAt ?? "")

const load = (s: Inbox): Step => {
  const id = s.loads + 1
  return [{ ...s, loads: id, list: { type: 1, id, held: [] } }, [{ type: "load", id }]]
}

const asking = (s: Inbox) => s.recount === 1 || s.recount === 2

/** Asks for the counts, or for another ask once the one out answers. */
const recount = (s: Inbox): Step => (asking(s) ? [{ ...s, recount: 2 }, []] : [{ ...s, recount: 1 }, [COUNT]])

/**
 * The counts of an answer that reflects the stream up to `through`, brought up to date with the
 * ledger, and whether an effect in it was unknown.
 */
const settle = (s: Inbox, counts: Counts, through: number, view?: Partial<View>): [Inbox, boolean] => {
  const ledger = s.ledger.filter((e) => e.seq > through)
  let { unseen, unread } = counts
  let unknown = false
  for (const { delta } of ledger) {
    if (delta) {
      unseen += delta.unseen
      unread += delta.unread
    } else unknown = true
  }
  const next = { ...s.view, ...view, unseen: Math.max(0, unseen), unread: Math.max(0, unread) }
  return [{ ...s, ledger, countedAt: through, view: next }, unknown]
}

/** Applies one event: the next state and the reads to make. */
export const reduceInbox = (s: Inbox, event: InboxEvent): Step => {
  const { list, view } = s
  switch (event.type) {
    case "need":
      // A load reads the counts too; a failed recount is asked again after it, if still failed.
      return list.type === 0 ? load(s) : s.recount === 3 ? recount(s) : [s, []]
    case "reload":
      return load(s)
    case "entry": {
      const { entry } = event
      // Loading: held. Not loaded: the next load's read comes after this entry, so its answer has it.
      if (list.type !== 2)
        return [list.type === 1 ? { ...s, list: { ...list, held: [...list.held, entry] } } : s, []]
      const shown = view.notifications
      const { delta, notifications: applied } = applyEntry(shown, entry, event.now)
      const notifications = beyond(shown, view.hasMore, entry) ? shown : applied
      // At or below the seq of the counts shown: the answer had it already.
      const counted = entry.seq <= s.countedAt
      const next: Inbox = {
        ...s,
        // Only an answer still on its way can predate this entry: a later request sees it.
        ledger: !counted && asking(s) ? [...s.ledger, { seq: entry.seq, delta }] : s.ledger,
        view:
          counted || !delta
            ? { ...view, notifications }
            : {
                ...view,
                notifications,
                unseen: view.unseen + delta.unseen,
                unread: view.unread + delta.unread
              }
      }
      return counted || delta ? [next, []] : recount(next)
    }
    case "loaded": {
      if (list.type !== 1 || list.id !== event.id) return [s, []]
      const { page } = event
      const hasMore = page.next !== null
      let notifications = page.results
      const ledger: Array<Inbox["ledger"][number]> = []
      for (const entry of list.held) {
        const applied = applyEntry(notifications, entry, event.now, true)
        if (!beyond(page.results, hasMore, entry)) notifications = applied.notifications
        ledger.push({ seq: entry.seq, delta: applied.delta })
      }
      const [settled, unknown] = settle({ ...s, list, ledger }, event.counts, event.through, {
        notifications,
        hasMore
      })
      const loaded: Inbox = { ...settled, list: { type: 2 } }
      return unknown ? recount(loaded) : [loaded, []]
    }
    case "counted": {
      // Older than the answer the counts rest on (a load answered meanwhile): not up to date.
      const [settled, unknown] =
        event.through < s.countedAt ? [s, false] : settle(s, event.counts, event.through)
      // Still unknown after the answer: an entry newer than it, which the next answer covers (it
      // is asked after every entry applied so far, and the server counts what it delivered).
      const next: Inbox = { ...settled, recount: 0 }
      return unknown || s.recount === 2 ? recount(next) : [next, []]
    }
    case "failed":
      // A load failed: the next `need` loads again.
      if (event.id !== undefined)
        return [list.type === 1 && list.id === event.id ? { ...s, list: { type: 0 } } : s, []]
      // The server is unreachable (restarting?): ask again once it answers.
      return s.recount === 2 ? recount({ ...s, recount: 0 }) : [{ ...s, recount: 3 }, []]
    case "more": {
      const shown = view.notifications
      const notifications = [...shown, ...event.page.results.filter((n) => !shown.some((x) => x.id === n.id))]
      return [{ ...s, view: { ...view, notifications, hasMore: event.page.next !== null } }, []]
    }
  }
}
