/**
 * The pure store update: one stream entry against a snapshot.
 */
import { describe, expect, it } from "vitest"
import { applyEntry } from "../src/internal/apply.js"
import type { Snapshot } from "../src/Store.js"
import type { Notification } from "../src/types.js"

const NOW = "2030-01-01T00:00:00.000Z"
const n = (id: string, seen = false, read = false): Notification => ({
  id,
  user: "u",
  type: null,
  title: null,
  content: id,
  url: null,
  icon: null,
  image: null,
  data: null,
  createdAt: "2029-01-01T00:00:00.000Z",
  seenAt: seen || read ? "2029-01-02T00:00:00.000Z" : null,
  readAt: read ? "2029-01-02T00:00:00.000Z" : null
})
const snap = (items: Array<Notification>, unseen: number, unread: number): Snapshot => ({
  notifications: items,
  unseen,
  unread,
  state: "connected",
  hasMore: false
})

describe("applyEntry", () => {
  it("prepends a new notification and counts it; a known id changes nothing", () => {
    const s = snap([n("a")], 1, 1)
    const [next, unknown] = applyEntry(s, { type: "notification", seq: 2, notification: n("b") }, NOW)
    expect(next.notifications.map((x) => x.id)).toEqual(["b", "a"])
    expect([next.unseen, next.unread, unknown]).toEqual([2, 2, false])
    expect(applyEntry(next, { type: "notification", seq: 3, notification: n("b") }, NOW)[0]).toBe(next)
  })

  it("seen: stamps loaded items; unloaded ids still lower unseen (an entry lists only changed ids)", () => {
    const [next, unknown] = applyEntry(
      snap([n("a"), n("b", true)], 3, 3),
      { type: "seen", seq: 2, ids: ["a", "b", "z"] },
      NOW
    )
    expect(next.notifications[0]!.seenAt).toBe(NOW)
    expect([next.unseen, next.unread, unknown]).toEqual([1, 3, false])
  })

  it("read: stamps readAt and seenAt; an unloaded id lowers unread and asks for a recount", () => {
    const [next, unknown] = applyEntry(snap([n("a")], 2, 2), { type: "read", seq: 2, ids: ["a", "z"] }, NOW)
    expect(next.notifications[0]).toMatchObject({ seenAt: NOW, readAt: NOW })
    expect([next.unseen, next.unread, unknown]).toEqual([1, 0, true])
  })

  it("deleted: removes loaded items with their counts; unloaded ids ask for a recount; counts never go below 0", () => {
    const [next, unknown] = applyEntry(
      snap([n("a"), n("b", true, true)], 1, 1),
      { type: "deleted", seq: 2, ids: ["a", "b"] },
      NOW
    )
    expect(next.notifications).toEqual([])
    expect([next.unseen, next.unread, unknown]).toEqual([0, 0, false])
    expect(applyEntry(snap([], 0, 0), { type: "deleted", seq: 2, ids: ["z"] }, NOW)[1]).toBe(true)
    expect(applyEntry(snap([], 0, 0), { type: "seen", seq: 2, ids: ["z"] }, NOW)[0].unseen).toBe(0)
  })

  it("uncertain (the snapshot may already reflect the entry): only loaded items whose state changes count", () => {
    const s = snap([n("a", true), n("b")], 1, 2)
    expect(applyEntry(s, { type: "notification", seq: 2, notification: n("a") }, NOW, true)[0]).toBe(s)
    let [next, unknown] = applyEntry(s, { type: "seen", seq: 3, ids: ["a", "z"] }, NOW, true)
    expect([next.unseen, next.unread, unknown]).toEqual([1, 2, true])
    ;[next, unknown] = applyEntry(s, { type: "read", seq: 4, ids: ["b", "z"] }, NOW, true)
    expect([next.unseen, next.unread, unknown]).toEqual([0, 1, true])
    ;[next, unknown] = applyEntry(s, { type: "seen", seq: 5, ids: ["b"] }, NOW, true)
    expect([next.unseen, next.unread, unknown]).toEqual([0, 2, false])
  })
})
