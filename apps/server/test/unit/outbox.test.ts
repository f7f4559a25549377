/**
 * The outbox worker's own rules, with a fake kind of job (no email, no network) over a real
 * SQLite store: a temporary failure is retried on the sender's schedule until it succeeds; a
 * permanent failure, or a used retry budget, fails the job for good with its error and counts
 * it; a job a dead node claimed is taken up again only when its lease ends, and that node's
 * late settlement changes nothing; two workers on one store send each job once; a worker
 * sends only the kinds it has a sender for, and says once why it has none; retention drops the
 * jobs done long ago and keeps the rest; the next due time counts held jobs at their lease's end.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { Effect, Layer, type Scope } from "effect"
import { afterAll, describe, expect, inject, it, vi } from "vitest"
import { makeOutbox } from "../../src/outbox/Outbox.js"
import { type OutboxJob, type OutboxRow, OutboxStore } from "../../src/outbox/OutboxStore.js"
import type { Sender, SendResult } from "../../src/outbox/Sender.js"
import { makeSqliteOutbox } from "../../src/outbox/sqliteOutbox.js"
import { makeSqliteStatsBump } from "../../src/stats/sqliteBuckets.js"
import { layerSqliteStore } from "../../src/storage/sqlite/sqlite.js"
import { Store } from "../../src/storage/Store.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** The SQLite writer thread bundled from src for the unit project (scripts/vitest/writerThread.mjs). */
    pushbackWriterThread: string
  }
}

const dir = mkdtempSync(join(tmpdir(), "pushback-outbox-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = join(dir, "p.db")
const APP = "app_o"
const store = layerSqliteStore(file, new URL(inject("pushbackWriterThread")))

/** Writes jobs the way a cause does: in one transaction of their own connection. */
const enqueue = (rows: ReadonlyArray<OutboxRow>) =>
  Effect.sync(() => {
    const db = new Database(file)
    try {
      const outbox = makeSqliteOutbox(db, makeSqliteStatsBump(db))
      db.transaction(() => outbox.enqueue(APP, new Date().toISOString(), rows))()
    } finally {
      db.close()
    }
  })

const job = (id: string, kind = "fake"): OutboxRow => ({
  id,
  kind,
  callId: null,
  notificationId: null,
  userId: null,
  payload: JSON.stringify({ id }),
  dueAt: new Date().toISOString()
})

/** One row of the outbox, read on a connection of its own. */
const rowOf = (id: string) => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare("SELECT * FROM outbox WHERE id = ?").get(id) as Record<string, unknown> | undefined
  } finally {
    db.close()
  }
}

/** What the sent and failed jobs added to the app's minute buckets. */
const counted = () => {
  const db = new Database(file, { readonly: true })
  try {
    return db
      .prepare(`SELECT COALESCE(SUM(delivered), 0) AS sent, COALESCE(SUM(emails_failed), 0) AS failed
        FROM stats_buckets WHERE app = ? AND grain = 'minute'`)
      .get(APP) as { sent: number; failed: number }
  } finally {
    db.close()
  }
}

/** Polls until `done` holds for the row (at most 10 s). */
const until = (id: string, done: (row: Record<string, unknown>) => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 200; i++) {
      const row = rowOf(id)
      if (row !== undefined && done(row)) return row
      yield* Effect.sleep(50)
    }
    throw new Error(`job ${id} never got there: ${JSON.stringify(rowOf(id))}`)
  })

/** A fake sender: answers what `script` says for each attempt, and records every attempt. */
const fakeSender = (script: (job: OutboxJob) => SendResult, options: Partial<Sender> = {}) => {
  const attempts: Array<{ id: string; attempt: number; at: number }> = []
  const observed: Array<string> = []
  const sender: Sender = {
    kind: "fake",
    send: (job) =>
      Effect.sync(() => {
        attempts.push({ id: job.id, attempt: job.attempts, at: Date.now() })
        return script(job)
      }),
    retryIn: (n) => (n < 5 ? 100 : undefined),
    leaseMs: 5_000,
    pollMs: 50,
    stats: { sent: { delivered: 1 }, failed: { emailsFailed: 1 } },
    observe: (state) => observed.push(state),
    ...options
  }
  return { sender, attempts, observed }
}

const run = <A>(program: Effect.Effect<A, never, OutboxStore | Store | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(Layer.orDie(store))))

describe("the outbox worker", () => {
  it("retries a temporary failure on the sender's schedule until it is sent", async () => {
    const fake = fakeSender((j) =>
      j.attempts < 3
        ? { _tag: "Failed", error: `try ${j.attempts}`, permanent: false }
        : { _tag: "Sent", payload: '"done"' }
    )
    const { row, before } = await run(
      Effect.gen(function* () {
        const before = counted()
        yield* enqueue([job("job_retry")])
        yield* makeOutbox([Effect.succeed(fake.sender)])
        return { row: yield* until("job_retry", (r) => r["state"] !== "queued"), before }
      })
    )
    expect(row).toMatchObject({ state: "sent", attempts: 3, last_error: null, payload: '"done"' })
    expect(row["lease_owner"]).toBeNull()
    expect(row["settled_at"]).not.toBeNull()
    expect(fake.attempts.map((a) => a.attempt)).toEqual([1, 2, 3])
    // Each retry waited for its due time (100 ms after the failure).
    expect(fake.attempts[1]!.at - fake.attempts[0]!.at).toBeGreaterThanOrEqual(90)
    expect(fake.attempts[2]!.at - fake.attempts[1]!.at).toBeGreaterThanOrEqual(90)
    expect(fake.observed).toEqual(["sent"])
    expect(counted()).toEqual({ sent: before.sent + 1, failed: before.failed })
  })

  it("fails a job for good on a permanent failure, or once its retry budget is used", async () => {
    const fake = fakeSender(
      (j) =>
        j.id === "job_perm"
          ? { _tag: "Failed", error: "550 no such mailbox", permanent: true }
          : { _tag: "Failed", error: `busy ${j.attempts}`, permanent: false },
      { retryIn: (n) => (n < 2 ? 50 : undefined) }
    )
    const [perm, spent, before] = await run(
      Effect.gen(function* () {
        const before = counted()
        yield* enqueue([job("job_perm"), job("job_spent")])
        yield* makeOutbox([Effect.succeed(fake.sender)])
        return [
          yield* until("job_perm", (r) => r["state"] !== "queued"),
          yield* until("job_spent", (r) => r["state"] !== "queued"),
          before
        ] as const
      })
    )
    expect(perm).toMatchObject({ state: "failed", attempts: 1, last_error: "550 no such mailbox" })
    expect(spent).toMatchObject({ state: "failed", attempts: 2, last_error: "busy 2" })
    expect(fake.attempts.filter((a) => a.id === "job_perm")).toHaveLength(1)
    expect(fake.observed).toEqual(["failed", "failed"])
    expect(counted()).toEqual({ sent: before.sent, failed: before.failed + 2 })
  })

  it("rests after a round that sent jobs when its pacing says so (a saturated node), and only then", async () => {
    const fake = fakeSender(() => ({ _tag: "Sent" }), { batch: 1 })
    const rounds: Array<number> = []
    const pacing = {
      restAfter: (roundMs: number) => {
        rounds.push(roundMs)
        return 300
      }
    }
    await run(
      Effect.gen(function* () {
        yield* enqueue([job("job_pace1"), job("job_pace2")])
        yield* makeOutbox([Effect.succeed(fake.sender)], pacing)
        yield* until("job_pace2", (r) => r["state"] === "sent")
      })
    )
    const [first, second] = fake.attempts.filter((a) => a.id.startsWith("job_pace"))
    // One job a round (batch 1): the second waited for the rest after the first round.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(290)
    expect(rounds.length).toBeGreaterThanOrEqual(1)
    for (const ms of rounds) expect(ms).toBeGreaterThanOrEqual(0)
  })

  it("knows when the next job is due: the earliest unheld one, or a held one's lease end when earlier", async () => {
    const at = (s: number) => new Date(Date.parse("2030-01-01T00:00:00.000Z") + s * 1000).toISOString()
    const set = (id: string, dueAt: string, leaseUntil: string | null) => {
      const db = new Database(file)
      try {
        db.prepare("UPDATE outbox SET due_at = ?, lease_until = ?, lease_owner = ? WHERE id = ?").run(
          dueAt,
          leaseUntil,
          leaseUntil === null ? null : "a-node",
          id
        )
      } finally {
        db.close()
      }
    }
    const seen = await run(
      Effect.gen(function* () {
        const outbox = yield* OutboxStore
        const next = () => outbox.nextDue(["nextdue"])
        const answers: Array<string | null> = [yield* next()]
        yield* enqueue([job("nd_a", "nextdue"), job("nd_b", "nextdue"), job("nd_c", "nextdue")])
        // a is held (claimed) until 5 s, b is due at 3 s, c at 10 s: b comes first.
        set("nd_a", at(-1), at(5))
        set("nd_b", at(3), null)
        set("nd_c", at(10), null)
        answers.push(yield* next())
        // a's lease ends at 2 s, before b is due: a is taken up again first.
        set("nd_a", at(-1), at(2))
        answers.push(yield* next())
        // Everything before c held: the earliest lease end, or c if it comes first.
        set("nd_b", at(3), at(6))
        set("nd_a", at(-1), at(7))
        answers.push(yield* next())
        set("nd_b", at(3), at(12))
        set("nd_a", at(-1), at(11))
        answers.push(yield* next())
        // A lease that ended before the job was due leaves it due then; another kind is not asked about.
        set("nd_a", at(-1), at(-2))
        answers.push(yield* next(), yield* outbox.nextDue(["fake-none"]))
        return answers
      })
    )
    expect(seen).toEqual([null, at(3), at(2), at(6), at(10), at(-1), null])
    const db = new Database(file)
    try {
      db.prepare("DELETE FROM outbox WHERE kind = 'nextdue'").run()
    } finally {
      db.close()
    }
  })

  it("takes up a job a dead node held once its lease ends; the dead node's late word changes nothing", async () => {
    const fake = fakeSender(() => ({ _tag: "Sent" }))
    const { row, leaseEnd, late } = await run(
      Effect.gen(function* () {
        const outbox = yield* OutboxStore
        yield* enqueue([job("job_lease")])
        // A node claims it, then dies (it never settles) with 400 ms of lease left.
        const leaseEnd = Date.now() + 400
        const [held] = yield* outbox.claim(
          "fake",
          new Date().toISOString(),
          { owner: "dead-node", until: new Date(leaseEnd).toISOString() },
          10
        )
        expect(held?.id).toBe("job_lease")
        yield* makeOutbox([Effect.succeed(fake.sender)])
        const row = yield* until("job_lease", (r) => r["state"] === "sent")
        const late = yield* outbox.settle("job_lease", "dead-node", {
          state: "failed",
          at: new Date().toISOString(),
          error: "too late"
        })
        return { row, leaseEnd, late }
      })
    )
    expect(fake.attempts).toHaveLength(1)
    expect(fake.attempts[0]!.at).toBeGreaterThanOrEqual(leaseEnd)
    expect(row).toMatchObject({ state: "sent", attempts: 2 })
    expect(late).toBe(false)
    expect(rowOf("job_lease")).toMatchObject({ state: "sent", last_error: null })
  })

  it("two workers on one store send each job once", async () => {
    const fake = fakeSender(() => ({ _tag: "Sent" }))
    const ids = Array.from({ length: 40 }, (_, i) => `job_once_${i}`)
    await run(
      Effect.gen(function* () {
        const a = yield* makeOutbox([Effect.succeed(fake.sender)])
        const b = yield* makeOutbox([Effect.succeed(fake.sender)])
        yield* enqueue(ids.map((id) => job(id)))
        a.wake()
        b.wake()
        for (const id of ids) yield* until(id, (r) => r["state"] === "sent")
      })
    )
    expect(fake.attempts.map((a) => a.id).sort()).toEqual([...ids].sort())
  })

  it("sends only the kinds it has a sender for, and says once why it has none", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined)
    try {
      const fake = fakeSender(() => ({ _tag: "Sent" }))
      const { other, accepts } = await run(
        Effect.gen(function* () {
          yield* enqueue([job("job_other", "other"), job("job_mine")])
          const outbox = yield* makeOutbox([
            Effect.succeed(fake.sender),
            Effect.succeed({ kind: "other", off: "no other here" })
          ])
          const accepts = [outbox.accepts("fake"), outbox.accepts("other"), outbox.accepts("other")]
          yield* until("job_mine", (r) => r["state"] === "sent")
          return { other: rowOf("job_other"), accepts }
        })
      )
      expect(accepts).toEqual([true, false, false])
      expect(log.mock.calls.filter((c) => String(c[0]).includes("no other here"))).toHaveLength(1)
      expect(other).toMatchObject({ state: "queued", attempts: 0 })
      expect(fake.attempts.map((a) => a.id)).toEqual(["job_mine"])
    } finally {
      log.mockRestore()
    }
  })

  it("retention drops jobs done (sent, failed, cancelled) and due long ago, never a queued or a recent one", async () => {
    const old = "2000-01-01T00:00:00.000Z"
    const ids = ["job_old_sent", "job_old_failed", "job_old_cancelled", "job_old_queued", "job_new_sent"]
    const left = await run(
      Effect.gen(function* () {
        const outbox = yield* OutboxStore
        yield* enqueue(
          ids.map((id) => ({ ...job(id, "prune"), ...(id.includes("old") ? { dueAt: old } : {}) }))
        )
        const now = new Date().toISOString()
        const claimed = yield* outbox.claim("prune", now, { owner: "me", until: now }, 10)
        expect(claimed.map((j) => j.id).sort()).toEqual([...ids].sort())
        const settled = [
          ["job_old_sent", { state: "sent", at: now }],
          ["job_old_failed", { state: "failed", at: now, error: "550" }],
          ["job_old_cancelled", { state: "cancelled", at: now }],
          ["job_old_queued", { state: "retry", dueAt: old, error: "451" }],
          ["job_new_sent", { state: "sent", at: now }]
        ] as const
        for (const [id, settlement] of settled) expect(yield* outbox.settle(id, "me", settlement)).toBe(true)
        const hourAgo = new Date(Date.now() - 3_600_000).toISOString()
        yield* (yield* Store).prune(hourAgo, 1_000_000, old, { minute: old, hour: old, day: old })
        return ids.filter((id) => rowOf(id) !== undefined)
      })
    )
    expect(left).toEqual(["job_old_queued", "job_new_sent"])
  })
})
