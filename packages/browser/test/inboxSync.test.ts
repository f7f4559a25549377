/**
 * InboxSync cases that random interleavings reach only rarely (the properties are in
 * inboxSync.property.test.ts): a recount answered after a load that began later, and a
 * notification the first page already placed beyond itself.
 */
import { expect, it } from "vitest"
import { emptyInbox, type Inbox, type InboxEvent, reduceInbox } from "../src/InboxSync.js"
import type { Notification, NotificationList } from "../src/types.js"

const NOW = "2031-01-01T00:00:00.000Z"
const n = (id: string, at: string): Notification => ({
  id,
  user: "u",
  type: null,
  title: null,
  content: id,
  url: null,
  icon: null,
  image: null,
  data: null,
  author: null,
  createdAt: at,
  seenAt: null,
  readAt: null
})
const page = (results: Array<Notification>, more = false): NotificationList => ({
  count: results.length,
  next: more ? "next" : null,
  previous: null,
  results
})
const play = (events: ReadonlyArray<InboxEvent>, from: Inbox = emptyInbox) =>
  events.reduce((s, e) => reduceInbox(s, e)[0], from)
const counts = (unseen: number) => ({ unseen, unread: unseen, total: unseen })

it("a recount answered after a load that began later is dropped: the load's counts are newer", () => {
  const a = n("a", "2030-01-01T00:00:01.000Z")
  const loaded = play([
    { type: "need" },
    { type: "loaded", id: 1, counts: counts(1), through: 1, page: page([a]), now: NOW }
  ])
  // A read of a notification that is not loaded: unknown effect, a recount goes out (read at 2).
  const asking = play([{ type: "entry", entry: { type: "read", seq: 2, ids: ["z"] }, now: NOW }], loaded)
  expect(asking.recount).toBe(1) // one out
  // Three more notifications, then a reset: the reload reads the counts at 5.
  const reloaded = play(
    [
      {
        type: "entry",
        entry: { type: "notification", seq: 3, notification: n("b", "2030-01-01T00:00:03.000Z") },
        now: NOW
      },
      { type: "reload" },
      { type: "loaded", id: 2, counts: counts(3), through: 5, page: page([]), now: NOW },
      { type: "counted", counts: counts(0), through: 2 }
    ],
    asking
  )
  expect([reloaded.view.unseen, reloaded.countedAt]).toEqual([3, 5])
})

it("a notification older than a full first page is beyond it: counted, not shown on top", () => {
  const newer = n("new", "2030-01-01T00:00:09.000Z")
  const older = n("old", "2030-01-01T00:00:01.000Z")
  const s = play([
    { type: "need" },
    { type: "loaded", id: 1, counts: counts(1), through: 0, page: page([newer], true), now: NOW },
    { type: "entry", entry: { type: "notification", seq: 1, notification: older }, now: NOW }
  ])
  expect(s.view.notifications.map((x) => x.id)).toEqual(["new"])
  expect(s.view.unseen).toBe(2)
})
