/**
 * Per-user order within a claim of webhook jobs (webhooks/sendOrder.ts), without a server: a
 * stand-in store answers the endpoint and the user's queued events, and `attempt` records what
 * was sent. The cases are the ones the two-node test can only hit by chance: an earlier event
 * another node holds between two of this claim's jobs, a failure in the middle of a user's jobs,
 * and users side by side.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { OutboxJob } from "../../src/outbox/OutboxStore.js"
import type { SendResult } from "../../src/outbox/Sender.js"
import { prepareClaim, sendInOrder } from "../../src/webhooks/sendOrder.js"
import type { EarlierJob, EndpointRecord } from "../../src/webhooks/WebhookStore.js"

const endpoint: EndpointRecord = {
  app: "app",
  id: "wh1",
  url: "https://example.com/hooks",
  events: ["*"],
  description: null,
  batch: false,
  enabled: true,
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  previousSecret: null,
  previousUntil: null,
  createdAt: "2026-12-07T00:00:00.000Z",
  failingSince: null,
  disabledReason: null,
  lastStatus: null,
  lastAt: null
}

/** A job of `user` for event `n` (ids sort as the events happened). */
const job = (n: number, user: string): OutboxJob => ({
  id: `evt_${String(n).padStart(4, "0")}.wh1`,
  kind: "webhook",
  app: "app",
  callId: null,
  notificationId: null,
  userId: user,
  payload: "{}",
  attempts: 1
})
const queued = (j: OutboxJob, held = true): EarlierJob => ({
  id: j.id,
  dueAt: "2026-12-07T00:00:00.000Z",
  held
})

/** Prepares `claim` against the queued events given per user, then sends every job as the worker would. */
const run = (
  claim: ReadonlyArray<OutboxJob>,
  queuedByUser: Record<string, ReadonlyArray<EarlierJob>>,
  answer: (j: OutboxJob) => SendResult = () => ({ _tag: "Sent" })
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const prepared = yield* prepareClaim(
        {
          get: () => Effect.succeed(endpoint),
          queuedOf: () => Effect.succeed(new Map(Object.entries(queuedByUser)))
        },
        claim
      )
      const attempted: Array<string> = []
      const attempt = (j: OutboxJob) =>
        Effect.sync(() => {
          attempted.push(j.id)
          return answer(j)
        })
      const results = yield* Effect.forEach(
        claim,
        (j) => sendInOrder(prepared.groups.get(j.id)!, j, attempt),
        { concurrency: "unbounded" }
      )
      return { attempted, results: Object.fromEntries(claim.map((j, i) => [j.id, results[i]!])) }
    })
  )

describe("per-user order within a claim", () => {
  it("sends a user's jobs in id order when nothing else of theirs is queued before them", async () => {
    const claim = [job(3, "ann"), job(1, "ann"), job(2, "ann")]
    const { attempted } = await run(claim, { ann: [1, 2, 3].map((n) => queued(job(n, "ann"))) })
    expect(attempted).toEqual([job(1, "ann").id, job(2, "ann").id, job(3, "ann").id])
  })

  it("holds back a job behind an earlier event another node holds, even between two of the claim's", async () => {
    // This node claimed events 1 and 3; another node holds 2, not sent yet.
    const claim = [job(1, "bo"), job(3, "bo")]
    const { attempted, results } = await run(claim, {
      bo: [queued(job(1, "bo")), queued(job(2, "bo")), queued(job(3, "bo"))]
    })
    expect(attempted).toEqual([job(1, "bo").id])
    expect(results[job(3, "bo").id]).toMatchObject({ _tag: "Failed", permanent: false })
    expect((results[job(3, "bo").id] as { error: string }).error).toBe(`waiting for ${job(2, "bo").id}`)
  })

  it("holds back everything after a failure, and only that user's", async () => {
    const claim = [job(1, "cy"), job(2, "cy"), job(3, "cy"), job(4, "di")]
    const { attempted, results } = await run(
      claim,
      { cy: [1, 2, 3].map((n) => queued(job(n, "cy"))), di: [queued(job(4, "di"))] },
      (j) =>
        j.id === job(2, "cy").id ? { _tag: "Failed", error: "HTTP 500", permanent: false } : { _tag: "Sent" }
    )
    expect(attempted).toContain(job(4, "di").id)
    expect(attempted.filter((id) => id.startsWith("evt_000") && id !== job(4, "di").id)).toEqual([
      job(1, "cy").id,
      job(2, "cy").id
    ])
    expect((results[job(3, "cy").id] as { error: string }).error).toBe(`waiting for ${job(2, "cy").id}`)
  })
})
