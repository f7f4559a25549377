/**
 * The Store contract, notify and inbox ports (notify/NotifyStore.ts, inbox/InboxStore.ts): a
 * notify call gives each recipient the next seq (exactly one more), an idempotency key answers
 * Repeated or Conflict and stores nothing again, a mark changes each notification once, writes
 * one stream entry and never moves a notification back, and counts are one snapshot.
 */
import { describe, expect, it } from "vitest"
import { idOf, notifyJob, type RunStore, stored, t, withApp } from "./support.js"

const ALL = { limit: 100, offset: 0, status: "all" } as const

/** The notify and inbox part of the contract, against the store `run` reaches. */
export const deliveryContract = (run: RunStore): void => {
  describe("notify", () => {
    it("each recipient's seq grows by exactly 1 per call; a broadcast reaches every registered user", async () => {
      const app = await withApp(run)
      const first = notifyJob(app, [{ id: "a", email: "a@example.test" }, "b"], { online: ["a"] })
      const one = stored(await run((s) => s.notify(first)))
      expect(one.response).toEqual({ id: first.callId, recipients: 2, online: 1, emails: 0, pushes: 0 })
      expect(one.entries.map((e) => [e.user, e.seq])).toEqual([
        ["a", 1],
        ["b", 1]
      ])
      expect(one.entries[0]!.payload).toContain(`"id":"${idOf(first, 0)}"`)
      const two = stored(await run((s) => s.notify(notifyJob(app, ["a"], { at: t(1) }))))
      expect(two.entries.map((e) => [e.user, e.seq])).toEqual([["a", 2]])
      expect((await run((s) => s.getUser(app, "a")))?.email).toBe("a@example.test")
      await run((s) => s.upsertUsers(app, [{ id: "c" }], t(2)))
      const all = stored(await run((s) => s.notify(notifyJob(app, undefined, { at: t(2) }))))
      expect(all.response.recipients).toBe(3)
      expect(Object.fromEntries(all.entries.map((e) => [e.user, e.seq]))).toEqual({ a: 3, b: 2, c: 1 })
      const page = await run((s) => s.listNotifications(app, "a", ALL))
      expect(page.count).toBe(3)
      expect(page.rows.map((n) => n.seq)).toEqual([3, 2, 1])
      expect(await run((s) => s.getNotification(app, "a", idOf(first, 0)))).toMatchObject({
        id: idOf(first, 0),
        user: "a",
        seq: 1,
        title: first.fields.title,
        content: first.fields.content,
        createdAt: t(0),
        seenAt: null,
        readAt: null,
        deliveredAt: null
      })
      // a notification is its recipient's only
      expect(await run((s) => s.getNotification(app, "b", idOf(first, 0)))).toBeUndefined()
      const calls = await run((s) => s.listCalls(app, 10, 0))
      expect(calls.count).toBe(3)
      expect(calls.calls.map((c) => c.recipients)).toEqual([3, 1, 2])
      expect(calls.calls[2]).toMatchObject({ id: first.callId, online: 1, delivered: 0, seen: 0, read: 0 })
    })

    it("a key used again answers Repeated with the first answer, with another body Conflict: nothing stored again", async () => {
      const app = await withApp(run)
      const key = { key: "k-1", bodyHash: "h-1" }
      const first = stored(await run((s) => s.notify(notifyJob(app, ["u"], { idempotency: key }))))
      const again = await run((s) => s.notify(notifyJob(app, ["u"], { idempotency: key, at: t(1) })))
      expect(again).toEqual({ _tag: "Repeated", response: first.response })
      const other = await run((s) =>
        s.notify(notifyJob(app, ["u", "v"], { idempotency: { key: "k-1", bodyHash: "h-2" }, at: t(1) }))
      )
      expect(other).toEqual({ _tag: "Conflict" })
      expect((await run((s) => s.counts(app, "u"))).total).toBe(1)
      expect(await run((s) => s.getUser(app, "v"))).toBeUndefined()
      expect((await run((s) => s.listCalls(app, 10, 0))).count).toBe(1)
      // keys are per app
      const elsewhere = await withApp(run)
      stored(await run((s) => s.notify(notifyJob(elsewhere, ["u"], { idempotency: key }))))
      // a key saved before `notBefore` is forgotten: the call is stored anew
      const late = notifyJob(app, ["u"], { idempotency: { ...key, notBefore: t(0, 1) }, at: t(5) })
      expect(stored(await run((s) => s.notify(late))).entries.map((e) => e.seq)).toEqual([2])
    })
  })

  describe("marks", () => {
    it("each mark changes a notification once with one stream entry, and never moves it back", async () => {
      const app = await withApp(run)
      const jobs = [notifyJob(app, ["u"]), notifyJob(app, ["u"])]
      for (const job of jobs) stored(await run((s) => s.notify(job)))
      const [first, second] = jobs.map((j) => idOf(j, 0)) as [string, string]

      const seen = await run((s) => s.mark(app, "u", "seen", { ids: [second, first, "ntf_none_0"] }, t(1)))
      expect(seen.ids).toEqual([first, second])
      expect(seen.entries.map((e) => [e.seq, JSON.parse(e.payload)])).toEqual([
        [3, { type: "seen", seq: 3, ids: [first, second] }]
      ])
      const again = await run((s) => s.mark(app, "u", "seen", { ids: [first] }, t(2)))
      expect(again).toEqual({ ids: [], entries: [] })
      expect((await run((s) => s.getNotification(app, "u", first)))?.seenAt).toBe(t(1))

      const read = await run((s) => s.mark(app, "u", "read", { all: true }, t(3)))
      expect(read.ids).toEqual([first, second])
      expect(read.entries.map((e) => e.seq)).toEqual([4])
      // read again, seen again: nothing changes, no entry, no seq
      expect(await run((s) => s.mark(app, "u", "read", { ids: [first] }, t(4)))).toEqual({
        ids: [],
        entries: []
      })
      expect(await run((s) => s.mark(app, "u", "seen", { all: true }, t(4)))).toEqual({
        ids: [],
        entries: []
      })
      expect(await run((s) => s.getNotification(app, "u", first))).toMatchObject({
        seenAt: t(1),
        readAt: t(3)
      })
      expect((await run((s) => s.counts(app, "u"))).cursor).toBe(4)

      const deleted = await run((s) => s.mark(app, "u", "deleted", { ids: [first] }, t(5)))
      expect(deleted.ids).toEqual([first])
      expect(deleted.entries.map((e) => JSON.parse(e.payload))).toEqual([
        { type: "deleted", seq: 5, ids: [first] }
      ])
      expect(await run((s) => s.getNotification(app, "u", first))).toBeUndefined()
      expect(await run((s) => s.mark(app, "u", "deleted", { ids: [first] }, t(6)))).toEqual({
        ids: [],
        entries: []
      })
    })

    it("a read marks seen what was not; counts and their cursor are one snapshot", async () => {
      const app = await withApp(run)
      const jobs = [0, 1, 2].map((i) => notifyJob(app, ["u"], { at: t(i) }))
      for (const job of jobs) stored(await run((s) => s.notify(job)))
      expect(await run((s) => s.counts(app, "u"))).toEqual({ unseen: 3, unread: 3, total: 3, cursor: 3 })
      await run((s) => s.mark(app, "u", "seen", { ids: [idOf(jobs[0]!, 0)] }, t(3)))
      await run((s) => s.mark(app, "u", "read", { ids: [idOf(jobs[1]!, 0)] }, t(3)))
      expect(await run((s) => s.counts(app, "u"))).toEqual({ unseen: 1, unread: 2, total: 3, cursor: 5 })
      expect(await run((s) => s.getNotification(app, "u", idOf(jobs[1]!, 0)))).toMatchObject({
        seenAt: t(3),
        readAt: t(3)
      })
      const page = (status: "unseen" | "unread" | "read") =>
        run((s) => s.listNotifications(app, "u", { ...ALL, status })).then((p) => p.rows.map((n) => n.id))
      expect(await page("unseen")).toEqual([idOf(jobs[2]!, 0)])
      expect(await page("unread")).toEqual([idOf(jobs[2]!, 0), idOf(jobs[0]!, 0)])
      expect(await page("read")).toEqual([idOf(jobs[1]!, 0)])
      const since = await run((s) => s.listNotifications(app, "u", { ...ALL, since: t(1), before: t(2) }))
      expect(since.rows.map((n) => n.id)).toEqual([idOf(jobs[1]!, 0)])
      const stats = await run((s) => s.stats(app))
      expect(stats).toEqual({ users: 1, notifications: 3, delivered: 0, seen: 2, read: 1 })
      expect(await run((s) => s.counts(app, "nobody"))).toEqual({ unseen: 0, unread: 0, total: 0, cursor: 0 })
    })
  })
}
