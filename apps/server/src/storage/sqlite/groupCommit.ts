/**
 * Group commit (ARCHITECTURE.md "Where speed comes from"): write jobs that arrive while the
 * event loop is busy run together, synchronously, in ONE SQLite transaction and one fsync.
 * Each caller is answered only after that commit, with its own result.
 *
 * There is no savepoint per job: jobs are validated before they are submitted, and a job
 * that still throws is a surprise, so the batch is rolled back and its jobs run again one
 * transaction each — the failing one fails alone and the others commit. Under no load a job
 * waits one event-loop turn at most, never a timer.
 */
import type { Database } from "better-sqlite3"

/** What a job ended with. */
export type JobExit<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly error: unknown }

interface Job {
  readonly run: () => unknown
  readonly done: (exit: JobExit<unknown>) => void
}

/** The committer of one writer connection. */
export interface GroupCommit {
  /** Runs `run` inside the next shared transaction; `done` is called after the commit. */
  readonly submit: <A>(run: () => A, done: (exit: JobExit<A>) => void) => void
  /** Commits made so far. */
  readonly commits: () => number
  /** Jobs submitted and not yet run. */
  readonly queued: () => number
}

/** Most jobs in one commit, so one batch cannot hold the writer for long. */
const MAX_BATCH = 256

/**
 * Starts a committer on `db`, which it then owns for writing. `around` wraps the jobs of each
 * transaction (inside it): what they defer to the end of the transaction is written there.
 */
export const makeGroupCommit = (
  db: Database,
  around: <A>(run: () => A) => A = (run) => run()
): GroupCommit => {
  const queue: Array<Job> = []
  let scheduled = false
  let commits = 0

  const runEach = (jobs: ReadonlyArray<Job>) =>
    db.transaction(() => around(() => jobs.map((job) => job.run())))()

  const flush = () => {
    scheduled = false
    const jobs = queue.splice(0, MAX_BATCH)
    if (queue.length > 0) schedule()
    let exits: Array<JobExit<unknown>>
    try {
      exits = runEach(jobs).map((value) => ({ ok: true, value }))
      commits++
    } catch {
      // Rolled back whole: run each job alone, so only the one that throws fails.
      exits = jobs.map((job) => {
        try {
          const value = db.transaction(() => around(job.run))()
          commits++
          return { ok: true, value }
        } catch (error) {
          return { ok: false, error }
        }
      })
    }
    jobs.forEach((job, i) => {
      job.done(exits[i]!)
    })
  }

  // setImmediate, not a microtask: requests that arrived during the last fsync are still
  // unread sockets, and letting the loop read them first is what lets them join this commit.
  const schedule = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(flush)
  }

  return {
    submit: (run, done) => {
      queue.push({ run, done: done as (exit: JobExit<unknown>) => void })
      schedule()
    },
    commits: () => commits,
    queued: () => queue.length
  }
}
