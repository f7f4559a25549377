/**
 * The main thread's side of the SQLite writer thread (writerThread.ts). With
 * `synchronous=FULL` every commit waits for an fsync; on the main thread that wait stalls
 * every socket of the node, so the writer runs on a worker thread and the main thread only
 * posts operations and resumes their callers when the commit is done (docs/benchmarks.md
 * has the measurement).
 *
 * Nothing unacknowledged is ever answered as stored: if the thread dies, every operation
 * it had been handed fails (its caller answers 500, and a retry with its idempotency key is
 * safe), operations not handed to it yet go to a new thread, and a thread that keeps dying
 * stops the process (exit 1).
 */
import { Worker } from "node:worker_threads"
import { Effect } from "effect"
import type { Durability } from "../Store.js"
import type { CheckpointSettings } from "./checkpointThread.js"
import type { JobExit } from "./groupCommit.js"
import type { SqliteWrites } from "./sqliteWrites.js"
import type { WriterRequest, WriterThreadData } from "./writerThread.js"

/** Deaths of the thread within `RESTART_WINDOW_MS` after which the process gives up. */
const MAX_RESTARTS = 3
const RESTART_WINDOW_MS = 60_000

/** The longest a `runSoon` write waits for other writes to share its commit. */
const HOLD_MS = 5

/** Where the built thread entry is (beside the bundle that imports this module). */
export const defaultWriterThreadUrl = new URL("./writer-thread.js", import.meta.url)

/** Thrown to the callers of operations in flight when the writer thread died. */
export class WriterDied extends Error {
  override readonly name = "WriterDied"
}

type Resume = (exit: JobExit<unknown>) => void

/** Starts the writer thread on `filename`; resolves once its connection is open. */
export const startWriter = (
  filename: string,
  threadUrl: URL = defaultWriterThreadUrl,
  checkpoints?: { readonly settings?: CheckpointSettings; readonly thread?: URL }
) =>
  Effect.acquireRelease(
    Effect.async<ReturnType<typeof makeHost>>((resume) => {
      const data: WriterThreadData = {
        filename,
        checkpoints: checkpoints?.settings,
        checkpointThread: checkpoints?.thread?.href
      }
      const host = makeHost(data, threadUrl, () => resume(Effect.succeed(host)))
    }),
    (host) => Effect.promise(() => host.stop())
  )

const makeHost = (data: WriterThreadData, threadUrl: URL, onReady: () => void) => {
  const pending = new Map<number, Resume>()
  // Requests handed to the current thread: the ones a death fails (the others wait for the next).
  const posted = new Set<number>()
  let ready = false
  const deaths: Array<number> = []
  let nextId = 0
  let stopping = false
  let worker: Worker

  const spawn = () => {
    worker = new Worker(threadUrl, { workerData: data })
    worker.on("message", (text: string) => {
      const message = JSON.parse(text) as Array<{ id: number; exit: JobExit<unknown> }> | { ready: true }
      if ("ready" in message) {
        if (!ready) onReady()
        ready = true
        return
      }
      for (const { id, exit } of message) {
        const resume = pending.get(id)
        pending.delete(id)
        posted.delete(id)
        resume?.(exit)
      }
    })
    worker.on("error", (error) => {
      console.error(`[pushback] the storage writer failed: ${error.stack ?? String(error)}`)
    })
    worker.on("exit", (code) => {
      if (stopping) return
      const lost = [...posted].map((id) => pending.get(id))
      for (const id of posted) pending.delete(id)
      posted.clear()
      for (const resume of lost)
        resume?.({ ok: false, error: new WriterDied(`storage writer exited (${code})`) })
      const now = Date.now()
      deaths.push(now)
      while (deaths.length > 0 && deaths[0]! < now - RESTART_WINDOW_MS) deaths.shift()
      if (deaths.length > MAX_RESTARTS) {
        console.error("[pushback] the storage writer keeps dying; stopping")
        process.exit(1)
      }
      console.error(`[pushback] the storage writer exited (${code}); starting a new one`)
      spawn()
    })
  }
  spawn()

  // Requests made in one turn of the event loop go to the thread as one message; requests that
  // can wait a little (`runSoon`) join the next message, or go on their own after HOLD_MS.
  let outbox: Array<WriterRequest> = []
  let held: Array<WriterRequest> = []
  let holding: ReturnType<typeof setTimeout> | undefined
  const post = (request: WriterRequest) => {
    if (outbox.push(request) === 1) {
      setImmediate(() => {
        if (held.length > 0) {
          clearTimeout(holding)
          holding = undefined
          outbox = [...held, ...outbox]
          held = []
        }
        for (const r of outbox) if ("id" in r) posted.add(r.id)
        worker.postMessage(JSON.stringify(outbox))
        outbox = []
      })
    }
  }
  const hold = (request: WriterRequest) => {
    held.push(request)
    holding ??= setTimeout(() => {
      holding = undefined
      const soon = held
      held = []
      for (const r of soon) post(r)
    }, HOLD_MS)
  }

  /** Hands a request to the thread; resolves after its commit, rejects when it failed or the thread died. */
  const call = <A>(request: Exclude<WriterRequest, { op: "close" }>, soon = false): Promise<A> =>
    new Promise<A>((resolve, reject) => {
      pending.set(request.id, (exit) =>
        exit.ok ? resolve(exit.value as A) : reject(new Error(`storage write failed: ${exit.error}`))
      )
      if (soon) hold(request)
      else post(request)
    })
  /** `call` as an Effect: a failed write is a defect. */
  const send = <A>(request: Exclude<WriterRequest, { op: "close" }>, soon = false): Effect.Effect<A> =>
    Effect.promise(() => call<A>(request, soon))

  return {
    /** `run` as plain code (http/plain.ts), for the notify path: a promise of the operation's answer. */
    call: <K extends keyof SqliteWrites>(
      op: K,
      ...args: Parameters<SqliteWrites[K]>
    ): Promise<ReturnType<SqliteWrites[K]>> => call({ id: nextId++, op, args }),
    /** Runs one write operation in the thread's next group commit; answers after its commit. */
    run: <K extends keyof SqliteWrites>(
      op: K,
      ...args: Parameters<SqliteWrites[K]>
    ): Effect.Effect<ReturnType<SqliteWrites[K]>> =>
      Effect.suspend(() => send<ReturnType<SqliteWrites[K]>>({ id: nextId++, op, args })),
    /**
     * As `run`, for work nobody waits on (the outbox's claims and settlements, webhook attempt
     * logs): it joins the next commit of other writes, or has one of its own within HOLD_MS, so
     * a stream of such writes shares commits (an fsync each) instead of having one apiece.
     */
    runSoon: <K extends keyof SqliteWrites>(
      op: K,
      ...args: Parameters<SqliteWrites[K]>
    ): Effect.Effect<ReturnType<SqliteWrites[K]>> =>
      Effect.suspend(() => send<ReturnType<SqliteWrites[K]>>({ id: nextId++, op, args }, true)),
    durability: Effect.suspend(() => send<Durability>({ id: nextId++, op: "durability" })),
    /** The thread, for tests of what happens when it dies. */
    thread: () => worker,
    /** Lets the thread commit what it was given, then waits for it to close the file. */
    stop: async () => {
      stopping = true
      const exited = new Promise((done) => worker.once("exit", done))
      post({ op: "close" })
      await exited
    }
  }
}
