/**
 * The Store contract, stream and stats ports (stream/StreamStore.ts, stats/StatsStore.ts) and
 * maintenance (storage/Store.ts): a stream resumes after a retained cursor and asks for a reset
 * otherwise, positions are each user's latest seq, a delivery is counted once, statistics land
 * in the minute, hour and day of what they count, and pruning drops only what it is told to.
 */
import { describe, expect, it } from "vitest"
import { idOf, notifyJob, type RunStore, stored, t, withApp } from "./support.js"

/** The stream and statistics part of the contract, against the store `run` reaches. */
export const streamsContract = (run: RunStore): void => {
  describe("streams", () => {
    it("streamAfter: the entries after a retained cursor, as notify and mark made them; beyond it a reset", async () => {
      const app = await withApp(run)
      const made = []
      for (const i of [0, 1, 2])
        made.push(...stored(await run((s) => s.notify(notifyJob(app, ["u"], { at: t(i) })))).entries)
      const mark = await run((s) => s.mark(app, "u", "seen", { all: true }, t(3)))
      made.push(...mark.entries)
      const all = await run((s) => s.streamAfter(app, "u", 0, 10))
      expect(all).toMatchObject({ resumable: true, latest: 4, oldest: 1 })
      expect(all.entries.map((e) => [e.user, e.seq, e.payload])).toEqual(
        made.map((e) => [e.user, e.seq, e.payload])
      )
      expect((await run((s) => s.streamAfter(app, "u", 1, 2))).entries.map((e) => e.seq)).toEqual([2, 3])
      expect(await run((s) => s.streamAfter(app, "u", 4, 10))).toEqual({
        resumable: true,
        latest: 4,
        oldest: 1,
        entries: []
      })
      // a cursor the store never gave (ahead of the latest) cannot be resumed
      expect(await run((s) => s.streamAfter(app, "u", 9, 10))).toMatchObject({
        resumable: false,
        entries: []
      })
      expect(await run((s) => s.streamAfter(app, "nobody", 0, 10))).toEqual({
        resumable: true,
        latest: 0,
        oldest: null,
        entries: []
      })
    })

    it("positions: each named user's latest seq; unknown users are absent", async () => {
      const app = await withApp(run)
      stored(await run((s) => s.notify(notifyJob(app, ["a", "b"]))))
      stored(await run((s) => s.notify(notifyJob(app, ["a"]))))
      await run((s) => s.upsertUsers(app, [{ id: "c" }], t(0)))
      const at = await run((s) => s.positions(app, ["a", "b", "c", "nobody"]))
      expect(Object.fromEntries(at)).toEqual({ a: 2, b: 1, c: 0 })
      const many = Array.from({ length: 1200 }, (_, i) => `x${i}`)
      expect((await run((s) => s.positions(app, [...many, "a"]))).get("a")).toBe(2)
    })

    it("markDelivered counts each notification's first delivery once, at its first time", async () => {
      const app = await withApp(run)
      const job = notifyJob(app, ["a", "b"])
      stored(await run((s) => s.notify(job)))
      const receipt = (i: number, at: string) => ({ app, user: i === 0 ? "a" : "b", id: idOf(job, i), at })
      expect(await run((s) => s.markDelivered([receipt(0, t(1)), receipt(1, t(1, 30))]))).toBe(2)
      expect(await run((s) => s.markDelivered([receipt(0, t(2)), receipt(1, t(2))]))).toBe(0)
      expect(await run((s) => s.markDelivered([{ app, user: "a", id: "ntf_none_0", at: t(2) }]))).toBe(0)
      expect((await run((s) => s.getNotification(app, "a", idOf(job, 0))))?.deliveredAt).toBe(t(1))
      expect((await run((s) => s.stats(app))).delivered).toBe(2)
      expect((await run((s) => s.listCalls(app, 1, 0))).calls[0]).toMatchObject({ delivered: 2 })
      const minutes = await run((s) => s.series(app, "minute", t(0), t(5)))
      expect(minutes.map((r) => [r.t, r.delivered])).toEqual([
        [t(0), 0],
        [t(1), 2]
      ])
    })
  })

  describe("statistics", () => {
    it("series: what was counted, in its minute, hour and day, from and to included, this app's only", async () => {
      const app = await withApp(run)
      const other = await withApp(run)
      const job = notifyJob(app, ["a", "b"], { at: t(0, 10) })
      stored(await run((s) => s.notify(job)))
      stored(await run((s) => s.notify(notifyJob(app, ["a"], { at: t(1) }))))
      stored(await run((s) => s.notify(notifyJob(other, ["a"], { at: t(1) }))))
      await run((s) => s.mark(app, "a", "seen", { ids: [idOf(job, 0)] }, t(2)))
      await run((s) => s.mark(app, "b", "read", { ids: [idOf(job, 1)] }, t(2, 59)))
      const zero = {
        notifications: 0,
        delivered: 0,
        seen: 0,
        read: 0,
        emails: 0,
        emailsFailed: 0,
        pushes: 0,
        pushesFailed: 0
      }
      expect(await run((s) => s.series(app, "minute", t(0), t(2)))).toEqual([
        { ...zero, t: t(0), notifications: 2 },
        { ...zero, t: t(1), notifications: 1 },
        { ...zero, t: t(2), seen: 2, read: 1 }
      ])
      expect((await run((s) => s.series(app, "minute", t(1), t(1)))).map((r) => r.t)).toEqual([t(1)])
      const hour = "2026-03-01T10:00:00.000Z"
      expect(await run((s) => s.series(app, "hour", hour, hour))).toEqual([
        { ...zero, t: hour, notifications: 3, seen: 2, read: 1 }
      ])
      const day = "2026-03-01T00:00:00.000Z"
      expect(await run((s) => s.series(app, "day", day, day))).toEqual([
        { ...zero, t: day, notifications: 3, seen: 2, read: 1 }
      ])
    })
  })
}

/**
 * The maintenance part of the contract. Pruning is database-wide, so it runs against a store
 * of its own (`run` must reach a fresh, empty database).
 */
export const maintenanceContract = (run: RunStore): void => {
  describe("prune", () => {
    it("drops stream entries by age and beyond `keep` per user, stale keys and old buckets; nothing else", async () => {
      await run((s) => s.ping)
      const app = await withApp(run)
      for (const i of [0, 1, 2, 3]) {
        const idempotency =
          i === 0 ? { key: "old", bodyHash: "h" } : i === 1 ? { key: "new", bodyHash: "h" } : undefined
        stored(
          await run((s) => s.notify(notifyJob(app, ["u"], { at: t(i), ...(idempotency && { idempotency }) })))
        )
      }
      stored(await run((s) => s.notify(notifyJob(app, ["v"], { at: t(0) }))))
      const hour = "2026-03-01T10:00:00.000Z"
      const removed = await run((s) =>
        s.prune(t(1), 2, t(0, 30), { minute: t(2), hour, day: "2026-03-01T00:00:00.000Z" })
      )
      // by age: u's seq 1 and v's seq 1; beyond the last 2 of u: seq 2
      expect(removed).toBe(3)
      expect(await run((s) => s.streamAfter(app, "u", 0, 10))).toMatchObject({ resumable: false, oldest: 3 })
      expect((await run((s) => s.streamAfter(app, "u", 2, 10))).entries.map((e) => e.seq)).toEqual([3, 4])
      expect(await run((s) => s.streamAfter(app, "v", 0, 10))).toMatchObject({
        resumable: false,
        latest: 1,
        oldest: null
      })
      // the notifications themselves stay
      expect(await run((s) => s.counts(app, "u"))).toMatchObject({ total: 4, cursor: 4 })
      // the key saved before keysBefore is forgotten, the later one kept
      const again = (key: string) =>
        run((s) => s.notify(notifyJob(app, ["u"], { at: t(5), idempotency: { key, bodyHash: "h" } })))
      expect((await again("old"))._tag).toBe("Stored")
      expect((await again("new"))._tag).toBe("Repeated")
      // minute buckets before t(2) are gone; the hour bucket starting at `hour` is not before it
      expect((await run((s) => s.series(app, "minute", t(0), t(9)))).map((r) => r.t)).toEqual([
        t(2),
        t(3),
        t(5)
      ])
      expect((await run((s) => s.series(app, "hour", hour, hour)))[0]?.notifications).toBe(6)
    })
  })
}
