/**
 * Group commit (ARCHITECTURE.md "Where speed comes from"): transactions that arrive while
 * another is committing wait in a queue and then run together, each inside its own
 * savepoint, in ONE database transaction and one fsync. Each caller is answered only after
 * that commit, with its own result; a failing job rolls back to its savepoint and leaves
 * the others alone. Under no load a job waits one event-loop turn at most, never a timer.
 */
import { SqlClient } from "@effect/sql"
import { Deferred, Effect, Exit, Queue } from "effect"

interface Job {
  readonly effect: Effect.Effect<unknown, unknown>
  readonly done: Deferred.Deferred<unknown, unknown>
}

/** Most jobs in one commit, so one batch cannot hold the writer for long. */
const MAX_BATCH = 256

/**
 * One turn of the event loop. SQLite commits synchronously, so requests that arrived during
 * the last fsync are still unread sockets; letting the loop read them first is what lets
 * them join the next commit.
 */
const nextTurn = Effect.async<void>((resume) => {
  setImmediate(() => resume(Effect.void))
})

/** Starts the committer (scoped) and answers the function that submits a transaction. */
export const makeGroupCommit = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const queue = yield* Queue.unbounded<Job>()

  const runBatch = Effect.gen(function* () {
    const first = yield* Queue.take(queue)
    yield* nextTurn
    const more = yield* Queue.takeUpTo(queue, MAX_BATCH - 1)
    const jobs = [first, ...more]
    const outcome = yield* sql
      .withTransaction(Effect.forEach(jobs, (job) => Effect.exit(sql.withTransaction(job.effect))))
      .pipe(Effect.exit)
    if (Exit.isSuccess(outcome)) {
      outcome.value.forEach((exit, i) => {
        Deferred.unsafeDone(jobs[i]!.done, exit)
      })
    } else {
      for (const job of jobs) Deferred.unsafeDone(job.done, Exit.die(outcome.cause))
    }
  })
  yield* Effect.forkScoped(Effect.forever(runBatch).pipe(Effect.withTracerEnabled(false)))

  return <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.gen(function* () {
      const done = yield* Deferred.make<unknown, unknown>()
      yield* Queue.offer(queue, { effect, done })
      return (yield* Deferred.await(done)) as A
    }).pipe(Effect.mapError((e) => e as E))
})
