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

/** The list: not loaded (yet, or the last load failed), loading (entries held meanwhile), loaded. */
export type List =
  | { readonly type: "unloaded" }
  | { readonly type: "loading"; readonly id: number; readonly held: ReadonlyArray<StreamEntryFrame> }
  | { readonly type: "loaded" }

/**
 * A recount (`GET /v1/me/counts` on its own): none out, one out, one out and another wanted once
 * it answers (an entry of unknown effect came meanwhile), or the last one failed (ask again on the
 * next `welcome`).
 */
export type Recount = "none" | "out" | "again" | "failed"

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
  /** Recounts in a row that were still unknown after their answer (at most 3, then it rests). */
  readonly tries: number
}

/** What InboxSync reacts to. `now` stamps `seenAt`/`readAt` of marked items. */
export type InboxEvent =
  /** The stream has a cursor: load the list if it is not loaded or loading. */
  | { readonly type: "need" }
  /** A `welcome`: as `need`, and a failed recount is asked again. */
  | { readonly type: "welcome" }
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
  | { readonly type: "loadFailed"; readonly id: number }
  /** The answer of a recount, with the `seq` it reflects. */
  | { readonly type: "counted"; readonly counts: Counts; readonly through: number }
  | { readonly type: "countFailed" }
  /** The next page of older notifications (`loadMore`). */
  | { readonly type: "more"; readonly page: NotificationList }

/** A read for the client to make: load `id` (counts and the first page), or a recount. */
export type InboxEffect = { readonly type: "load"; readonly id: number } | { readonly type: "count" }

/** The state before anything is known. */
export const emptyInbox: Inbox = {
  view: { notifications: [], unseen: 0, unread: 0, hasMore: false },
  list: { type: "unloaded" },
  loads: 0,
  countedAt: -1,
  ledger: [],
  recount: "none",
  tries: 0
}

type Step = [Inbox, ReadonlyArray<InboxEffect>]

/**
 * Whether `entry` is a notification older than the last one loaded while more pages follow: the
 * REST read already covered it, beyond the page (`loadMore` brings it), so it is not shown on top.
 */
const beyond = (list: ReadonlyArray<Notification>, hasMore: boolean, entry: StreamEntryFrame) =>
  hasMore && entry.type === "notification" && entry.notification.createdAt < (list.at(-1)?.createdAt ?? "")

const load = (s: Inbox): Step => {
  const id = s.loads + 1
  return [{ ...s, loads: id, list: { type: "loading", id, held: [] } }, [{ type: "load", id }]]
}

const recount = (s: Inbox): Step =>
  s.recount === "out" || s.recount === "again"
    ? [{ ...s, recount: "again" }, []]
    : [{ ...s, recount: "out" }, [{ type: "count" }]]

/** After a recount's answer (or failure): another one if one was wanted meanwhile. */
const after = (s: Inbox, wanted: boolean, otherwise: Recount): Step =>
  wanted ? [{ ...s, recount: "out" }, [{ type: "count" }]] : [{ ...s, recount: otherwise }, []]

/** The counts of an answer brought up to date with the ledger, and whether an effect was unknown. */
const settle = (s: Inbox, counts: Counts, through: number, view: Partial<View>): [Inbox, boolean] => {
  const ledger = s.ledger.filter((e) => e.seq > through)
  let { unseen, unread } = counts
  let unknown = false
  for (const { delta } of ledger) {
    if (delta === undefined) unknown = true
    else {
      unseen += delta.unseen
      unread += delta.unread
    }
  }
  const next = { ...s.view, ...view, unseen: Math.max(0, unseen), unread: Math.max(0, unread) }
  return [{ ...s, ledger, countedAt: through, view: next }, unknown]
}

/** Applies one event: the next state and the reads to make. */
export const reduceInbox = (s: Inbox, event: InboxEvent): Step => {
  switch (event.type) {
    case "welcome":
      if (s.recount === "failed") {
        const [counted, effects] = recount(s)
        const [loaded, more] = reduceInbox(counted, { type: "need" })
        return [loaded, [...effects, ...more]]
      }
      return reduceInbox(s, { type: "need" })
    case "need":
      return s.list.type === "unloaded" ? load(s) : [s, []]
    case "reload":
      return load(s)
    case "entry": {
      const { entry } = event
      if (s.list.type === "loading") return [{ ...s, list: { ...s.list, held: [...s.list.held, entry] } }, []]
      // Not loaded: the next load's read comes after this entry, so its answer has it.
      if (s.list.type === "unloaded") return [s, []]
      const applied = applyEntry(s.view.notifications, entry, event.now)
      const { delta } = applied
      const notifications = beyond(s.view.notifications, s.view.hasMore, entry)
        ? s.view.notifications
        : applied.notifications
      let { unseen, unread } = s.view
      let next: Inbox = s
      if (entry.seq > s.countedAt) {
        // Only an answer still on its way can predate this entry: a later request sees it.
        if (s.recount === "out" || s.recount === "again")
          next = { ...s, ledger: [...s.ledger, { seq: entry.seq, delta }] }
        if (delta === undefined) {
          const [counted, effects] = recount(next)
          return [{ ...counted, view: { ...s.view, notifications } }, effects]
        }
        unseen = Math.max(0, unseen + delta.unseen)
        unread = Math.max(0, unread + delta.unread)
      }
      return [{ ...next, view: { ...s.view, notifications, unseen, unread } }, []]
    }
    case "loaded": {
      if (s.list.type !== "loading" || s.list.id !== event.id) return [s, []]
      const { page } = event
      let notifications = page.results
      const ledger: Array<Inbox["ledger"][number]> = []
      for (const entry of s.list.held) {
        const applied = applyEntry(notifications, entry, event.now, true)
        if (!beyond(page.results, page.next !== null, entry)) notifications = applied.notifications
        ledger.push({ seq: entry.seq, delta: applied.delta })
      }
      const [settled, unknown] = settle(
        { ...s, list: { type: "loaded" }, ledger },
        event.counts,
        event.through,
        { notifications, hasMore: page.next !== null }
      )
      return unknown ? recount(settled) : [settled, []]
    }
    case "loadFailed":
      return s.list.type === "loading" && s.list.id === event.id
        ? [{ ...s, list: { type: "unloaded" } }, []]
        : [s, []]
    case "counted": {
      const wanted = s.recount === "again"
      // Older than the answer the counts rest on (a load answered meanwhile): not up to date.
      if (event.through < s.countedAt) return after(s, wanted, "none")
      const [settled, unknown] = settle(s, event.counts, event.through, {})
      // Still unknown after the answer: an entry newer than it (rare; a few tries at most).
      const retry = unknown && s.tries < 3
      return after({ ...settled, tries: retry ? s.tries + 1 : 0 }, wanted || retry, "none")
    }
    case "countFailed":
      // The server is unreachable (restarting?): ask again on the next welcome.
      return after(s, s.recount === "again", "failed")
    case "more": {
      const have = new Set(s.view.notifications.map((n) => n.id))
      const notifications = [...s.view.notifications, ...event.page.results.filter((n) => !have.has(n.id))]
      return [{ ...s, view: { ...s.view, notifications, hasMore: event.page.next !== null } }, []]
    }
  }
}
