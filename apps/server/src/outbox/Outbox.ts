/**
 * Outbox: the one worker that carries out what causes queued (ARCHITECTURE.md "Concepts":
 * email now, web push and webhooks next), a sender per kind (Sender.ts). One per node process;
 * every node claims due jobs under a lease (the store makes each claim one node's), so on
 * several nodes each job is sent by one of them, and a job a dead node held is taken up again
 * when its lease ends. It sleeps until the next job is due (or the senders' `pollMs`, for jobs
 * other nodes queue), and a local cause that queued jobs wakes it at once. A receiver that is
 * down only delays a job: it is retried on its sender's schedule; a permanent failure, or a
 * used retry budget, fails it for good with its error kept. Jobs survive `kill -9`: they are
 * rows, written with their cause.
 */
import { randomUUID } from "node:crypto"
import { Context, Effect, Layer, Queue, type Scope } from "effect"
import { Metrics } from "../stats/Metrics.js"
import { type OutboxJob, OutboxStore, type Settlement } from "./OutboxStore.js"
import { makePacing, type Pacing, unpaced } from "./pacing.js"
import type { Sender, SenderOff, SenderSlot, SendResult } from "./Sender.js"

/** The Outbox interface. */
export interface OutboxShape {
  /**
   * Whether this node sends jobs of `kind` (a cause queues none otherwise); when it does not,
   * the log says why, once.
   */
  readonly accepts: (kind: string) => boolean
  /** Looks for due jobs now (a cause just queued some). */
  readonly wake: () => void
}

/** The Outbox service tag. */
export class Outbox extends Context.Tag("@pushback/server/Outbox")<Outbox, OutboxShape>() {}

/** Jobs claimed at once per kind, and sent at once, unless the sender says otherwise. */
const BATCH = 16
const CONCURRENCY = 4
const batchOf = (sender: Sender) => sender.batch ?? BATCH

const iso = (ms: number) => new Date(ms).toISOString()

const isSender = (slot: SenderSlot): slot is Sender => !("off" in slot)

/** What the store records for an attempt that ended with `result` at `now`. */
const settlementOf = (sender: Sender, job: OutboxJob, result: SendResult, now: number): Settlement => {
  switch (result._tag) {
    case "Sent":
      return {
        state: "sent",
        at: iso(now),
        payload: result.payload,
        stats: sender.stats?.sent,
        events: result.events
      }
    case "Cancelled":
      return { state: "cancelled", at: iso(now) }
    case "Failed": {
      const retryIn = result.permanent ? undefined : sender.retryIn(job.attempts)
      if (retryIn === undefined) {
        return {
          state: "failed",
          at: iso(now),
          error: result.error,
          stats: sender.stats?.failed,
          events: result.events
        }
      }
      return {
        state: "retry",
        dueAt: iso(now + Math.max(retryIn, result.retryAfterMs ?? 0)),
        error: result.error
      }
    }
  }
}

/**
 * The worker over the senders of `slots`, resting as `pacing` says while callers wait on the node
 * (pacing.ts); runs until its scope closes (none runs without a sender).
 */
export const makeOutbox = <R>(
  slots: ReadonlyArray<Effect.Effect<SenderSlot, never, R>>,
  pacing: Pacing = unpaced
): Effect.Effect<OutboxShape, never, R | OutboxStore | Scope.Scope> =>
  Effect.gen(function* () {
    const store = yield* OutboxStore
    const resolved = yield* Effect.all(slots)
    const senders = new Map(resolved.filter(isSender).map((s) => [s.kind, s] as const))
    const off = new Map(
      resolved.filter((s): s is SenderOff => !isSender(s)).map((s) => [s.kind, s.off] as const)
    )
    const said = new Set<string>()
    const accepts = (kind: string) => {
      if (senders.has(kind)) return true
      if (!said.has(kind)) {
        said.add(kind)
        console.log(`[pushback] ${off.get(kind) ?? `no sender of ${kind} runs on this node: none is sent`}`)
      }
      return false
    }
    if (senders.size === 0) return { accepts, wake: () => undefined } satisfies OutboxShape

    // Whose claims these are: only this worker may settle them.
    const owner = randomUUID()
    const kinds = [...senders.keys()]
    const pollMs = Math.min(...[...senders.values()].map((s) => s.pollMs))
    const wakeups = yield* Queue.sliding<void>(1)

    const handle = (sender: Sender, job: OutboxJob) =>
      Effect.gen(function* () {
        const result = yield* sender
          .send(job)
          .pipe(
            Effect.catchAllDefect((defect) =>
              Effect.succeed<SendResult>({ _tag: "Failed", error: String(defect), permanent: true })
            )
          )
        const settlement = settlementOf(sender, job, result, Date.now())
        // Not ours any more (the lease ended, another node took it): that node records it.
        if (!(yield* store.settle(job.id, owner, settlement))) return
        if (settlement.state === "sent") sender.observe?.("sent")
        if (settlement.state === "failed") {
          sender.observe?.("failed")
          console.error(`[pushback] ${sender.kind} ${job.id} failed: ${settlement.error}`)
        }
      })

    /** Sends what is due; answers how long to wait before looking again, and whether it sent. */
    const round = Effect.gen(function* () {
      const next = yield* store.nextDue(kinds)
      const now = Date.now()
      if (next !== null && Date.parse(next) <= now) {
        const claims = yield* Effect.forEach(senders.values(), (sender) =>
          Effect.map(
            store.claim(sender.kind, iso(now), { owner, until: iso(now + sender.leaseMs) }, batchOf(sender)),
            (jobs) => ({ sender, jobs })
          )
        )
        // Each kind at its own concurrency, the kinds side by side. A send under way finishes
        // (and is settled) even when the node is stopping.
        yield* Effect.forEach(
          claims,
          ({ sender, jobs }) =>
            Effect.zipRight(
              // A claim its sender could not prepare is sent job by job all the same.
              jobs.length === 0 || sender.prepare === undefined
                ? Effect.void
                : Effect.catchAllCause(sender.prepare(jobs), (cause) =>
                    Effect.sync(() =>
                      console.error(`[pushback] preparing ${sender.kind} jobs failed: ${cause}`)
                    )
                  ),
              Effect.forEach(jobs, (job) => Effect.uninterruptible(handle(sender, job)), {
                concurrency: sender.concurrency ?? CONCURRENCY,
                discard: true
              })
            ),
          { concurrency: "unbounded", discard: true }
        )
        // Some were due but held by a node: the next look comes from nextDue (their lease's end).
        if (claims.every(({ jobs }) => jobs.length === 0)) return { wait: Math.min(pollMs, 100), sent: false }
        return { wait: 0, sent: true }
      }
      return { wait: next === null ? pollMs : Math.min(pollMs, Date.parse(next) - now), sent: false }
    }).pipe(
      // A store that is unreachable for a while: look again later, never stop.
      Effect.catchAllCause((cause) =>
        Effect.sync(() => {
          console.error(`[pushback] the outbox failed a round: ${String(cause)}`)
          return { wait: pollMs, sent: false }
        })
      )
    )

    yield* Effect.forkScoped(
      Effect.forever(
        Effect.gen(function* () {
          const started = Date.now()
          const { wait, sent } = yield* round
          // Callers wait on this node: rest (a local cause's wake-up does not cut it short).
          const rest = sent ? pacing.restAfter(Date.now() - started) : 0
          if (rest > 0) yield* Effect.sleep(rest)
          if (wait > 0) yield* Effect.ignore(Effect.timeout(Queue.take(wakeups), wait))
        })
      )
    )
    return {
      accepts,
      wake: () => {
        Queue.unsafeOffer(wakeups, undefined)
      }
    } satisfies OutboxShape
  })

/**
 * The Outbox layer over the senders of `slots` (each an effect that makes a kind's sender, or
 * says why this node has none): adding a kind adds a slot here, never a change to the worker.
 * It paces itself on the REST requests this node is handling (Metrics' in-flight gauge).
 */
export const layerOutbox = <R>(
  slots: ReadonlyArray<Effect.Effect<SenderSlot, never, R>>
): Layer.Layer<Outbox, never, Exclude<R, Scope.Scope> | OutboxStore | Metrics> =>
  Layer.scoped(
    Outbox,
    Effect.flatMap(Metrics, (metrics) =>
      makeOutbox(
        slots,
        makePacing(() => metrics.gauges.httpInFlight)
      )
    )
  )
