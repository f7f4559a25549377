/**
 * The pure list update: one stream entry against the loaded notifications, and its effect on
 * the counts (known, or unknown so the client recounts).
 */
import { describe, expect, it } from "vitest"
import { applyEntry } from "../src/internal/apply.js"
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
  author: null,
  createdAt: "2029-01-01T00:00:00.000Z",
  seenAt: seen || read ? "2029-01-02T00:00:00.000Z" : null,
  readAt: read ? "2029-01-02T00:00:00.000Z" : null
})

describe("applyEntry", () => {
  it("prepends a new notification and counts it; a known id is not added again but still counts", () => {
    const next = applyEntry([n("a")], { type: "notification", seq: 2, notification: n("b") }, NOW)
    expect(next.notifications.map((x) => x.id)).toEqual(["b", "a"])
    expect(next.delta).toEqual({ unseen: 1, unread: 1 })
    const again = applyEntry(next.notifications, { type: "notification", seq: 3, notification: n("b") }, NOW)
    expect(again.notifications).toBe(next.notifications)
    expect(again.delta).toEqual({ unseen: 1, unread: 1 })
  })

  it("seen: stamps loaded items; every listed id lowers unseen (an entry lists only changed ids)", () => {
    const next = applyEntry([n("a"), n("b", true)], { type: "seen", seq: 2, ids: ["a", "z"] }, NOW)
    expect(next.notifications[0]!.seenAt).toBe(NOW)
    expect(next.delta).toEqual({ unseen: -2, unread: 0 })
  })

  it("read: stamps readAt and seenAt; known when every id is loaded, else unknown", () => {
    const known = applyEntry([n("a"), n("b", true)], { type: "read", seq: 2, ids: ["a", "b"] }, NOW)
    expect(known.notifications[0]).toMatchObject({ seenAt: NOW, readAt: NOW })
    expect(known.delta).toEqual({ unseen: -1, unread: -2 })
    expect(applyEntry([n("a")], { type: "read", seq: 2, ids: ["a", "z"] }, NOW).delta).toBeUndefined()
  })

  it("read of an item already shown read (a page read after the entry): unseen effect unknown", () => {
    expect(applyEntry([n("a", true, true)], { type: "read", seq: 2, ids: ["a"] }, NOW).delta).toBeUndefined()
  })

  it("deleted: removes loaded items with their counts; an unloaded id makes it unknown", () => {
    const next = applyEntry([n("a"), n("b", true, true)], { type: "deleted", seq: 2, ids: ["a", "b"] }, NOW)
    expect(next.notifications).toEqual([])
    expect(next.delta).toEqual({ unseen: -1, unread: -1 })
    expect(applyEntry([], { type: "deleted", seq: 2, ids: ["z"] }, NOW).delta).toBeUndefined()
  })

  it("uncertain (the list may already reflect the entry): idempotent list, read/delete effects unknown", () => {
    const list = [n("a", true), n("b")]
    expect(
      applyEntry(list, { type: "notification", seq: 2, notification: n("a") }, NOW, true).notifications
    ).toBe(list)
    expect(applyEntry(list, { type: "seen", seq: 3, ids: ["b"] }, NOW, true).delta).toEqual({
      unseen: -1,
      unread: 0
    })
    expect(applyEntry(list, { type: "read", seq: 4, ids: ["b"] }, NOW, true).delta).toBeUndefined()
    expect(applyEntry(list, { type: "deleted", seq: 5, ids: ["a"] }, NOW, true).delta).toBeUndefined()
  })
})
