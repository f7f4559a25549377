/**
 * The Store contract for calls that arrive together (storage/sqlite/groupCommit.ts,
 * storage/postgres/pgGroupCommit.ts): calls submitted in one turn share a commit, and the
 * outcome of each is what it would be had they committed one by one — each user's seqs
 * contiguous, an idempotency key used twice in one batch stored once, and a call that cannot be
 * stored failing alone while the others of its batch are stored.
 */
import { describe, expect, it } from "vitest"
import type { NotifyOutcome } from "../../src/notify/NotifyStore.js"
import { notifyJob, type RunStore, stored, withApp } from "./support.js"

/** The calls' outcomes, every one submitted in the same turn of the event loop. */
const together = (run: RunStore, jobs: ReadonlyArray<ReturnType<typeof notifyJob>>) =>
  Promise.allSettled(jobs.map((job) => run((s) => s.notify(job))))

const value = (r: PromiseSettledResult<NotifyOutcome>): NotifyOutcome => {
  if (r.status === "rejected") throw r.reason
  return r.value
}

/** The batch part of the contract, against the store `run` reaches. */
export const batchesContract = (run: RunStore): void => {
  describe("calls submitted together", () => {
    it("give each user contiguous seqs, one per call, with overlapping audiences and several apps", async () => {
      const [a, b] = [await withApp(run), await withApp(run)]
      const jobs = Array.from({ length: 24 }, (_, i) =>
        notifyJob(
          i % 3 === 2 ? b : a,
          i % 2 === 0 ? ["u", "v", { id: `w${i % 4}`, email: `w${i}@x.test` }] : ["v", "u"],
          {
            online: ["v"]
          }
        )
      )
      const before = (await run((s) => s.durability)).commits
      const outcomes = (await together(run, jobs)).map(value).map(stored)
      // they did share commits (one, unless the store split the batch)
      expect((await run((s) => s.durability)).commits - before).toBeLessThan(jobs.length / 2)
      const seqsOf = new Map<string, Array<number>>()
      outcomes.forEach((o, i) => {
        expect(o.response).toMatchObject({
          id: jobs[i]!.callId,
          recipients: jobs[i]!.users!.length,
          online: 1
        })
        for (const e of o.entries) {
          const k = `${jobs[i]!.app}/${e.user}`
          seqsOf.set(k, [...(seqsOf.get(k) ?? []), e.seq])
        }
      })
      for (const [k, seqs] of seqsOf) {
        const sorted = [...seqs].sort((x, y) => x - y)
        expect(sorted, k).toEqual(sorted.map((_, i) => i + 1))
      }
      const counts = await run((s) => s.counts(a, "u"))
      expect(counts.total).toBe(seqsOf.get(`${a}/u`)!.length)
      expect(counts.cursor).toBe(counts.total)
      // later details win, as one call after the other would leave them
      expect((await run((s) => s.getUser(a, "w0")))?.email).toBe("w16@x.test") // i = 16: the last call of app a to w0 (8 and 20 are app b's)
    })

    it("store a key used twice in one batch once: the same body Repeated, another Conflict", async () => {
      const app = await withApp(run)
      const key = { key: "k-batch", bodyHash: "h-1" }
      const jobs = [
        notifyJob(app, ["u"], { idempotency: key }),
        notifyJob(app, ["u"], { idempotency: key }),
        notifyJob(app, ["u", "v"], { idempotency: { key: "k-batch", bodyHash: "h-2" } }),
        notifyJob(app, ["u"])
      ]
      const [first, again, other, plain] = (await together(run, jobs)).map(value)
      const one = stored(first!)
      expect(again).toEqual({ _tag: "Repeated", response: one.response })
      expect(other).toEqual({ _tag: "Conflict" })
      stored(plain!)
      expect((await run((s) => s.counts(app, "u"))).total).toBe(2)
      expect(await run((s) => s.getUser(app, "v"))).toBeUndefined()
      expect((await run((s) => s.listCalls(app, 10, 0))).count).toBe(2)
    })

    it("fail a call that cannot be stored alone: the others of its batch are stored", async () => {
      const app = await withApp(run)
      const first = notifyJob(app, ["u"])
      // The same call id twice cannot be stored: the second violates the calls' key.
      const clash = { ...notifyJob(app, ["x"]), callId: first.callId }
      const after = notifyJob(app, ["u", "y"])
      const [one, two, three] = await together(run, [first, clash, after])
      expect(stored(value(one!)).entries.map((e) => e.seq)).toEqual([1])
      expect(two!.status).toBe("rejected")
      expect(stored(value(three!)).entries.map((e) => [e.user, e.seq])).toEqual([
        ["u", 2],
        ["y", 1]
      ])
      // nothing of the failed call: its user not registered, no seq moved
      expect(await run((s) => s.getUser(app, "x"))).toBeUndefined()
      expect((await run((s) => s.listCalls(app, 10, 0))).count).toBe(2)
    })
  })
}
