/**
 * The SQLite writer, run on a worker thread (see writer.ts for why): it owns the one write
 * connection of the file, runs each request of the main thread in the next group commit,
 * and answers it after that commit. While it waits for the disk, the main thread goes on
 * reading requests and writing frames.
 *
 * Messages in: JSON arrays of requests: `{ id, op, args }` (an operation of sqliteWrites.ts),
 * `{ id, op: "durability" }`, or `{ op: "close" }` (finish what was submitted, close the file,
 * end the thread). Messages out: JSON arrays of `{ id, exit }`, all the answers of one commit
 * together, and once `{ ready: true }` when the connection is open. JSON text, and one
 * message per batch, because copying one string costs the main thread less than the
 * structured clone of a notify call's objects, and every message is a wake-up.
 */
import { parentPort, Worker, workerData } from "node:worker_threads"
import Database from "better-sqlite3"
import { type JobExit, makeGroupCommit } from "./groupCommit.js"
import { makeSqliteWrites, type SqliteWrites } from "./sqliteWrites.js"
import { makeSqliteStatsBump } from "../../stats/sqliteBuckets.js"
import type { CheckpointSettings, CheckpointThreadData } from "./checkpointThread.js"

/** What the main thread hands the thread when it starts it. */
export interface WriterThreadData {
  readonly filename: string
  /** How the checkpointer thread works (tests shorten it). */
  readonly checkpoints?: CheckpointSettings | undefined
  /** The checkpointer's entry, when not the one beside this bundle (a test's stand-in). */
  readonly checkpointThread?: string | undefined
}

/** Five checkpoint passes a second; the WAL starts over by 8,192 pages (32 MiB of 4 KiB pages). */
const DEFAULT_CHECKPOINTS: CheckpointSettings = { everyMs: 200, restartFrames: 8192 }

/** A request from the main thread. */
export type WriterRequest =
  | { readonly id: number; readonly op: keyof SqliteWrites; readonly args: ReadonlyArray<unknown> }
  | { readonly id: number; readonly op: "durability" }
  | { readonly op: "close" }

const SYNCHRONOUS = ["off", "normal", "full", "extra"]

const port = parentPort
if (port === null) throw new Error("writerThread.ts runs as a worker thread")
const {
  filename,
  checkpoints = DEFAULT_CHECKPOINTS,
  checkpointThread = new URL("./checkpoint-thread.js", import.meta.url).href
} = workerData as WriterThreadData
const db = new Database(filename)
db.pragma("journal_mode = WAL")
db.pragma("synchronous = FULL")
db.pragma("busy_timeout = 5000")
// A WAL grown by one huge call is cut back to this size when it starts over.
db.pragma("journal_size_limit = 33554432")

/**
 * Checkpoints run on their own thread (checkpointThread.ts says why), beside the bundle; this
 * connection checkpoints in its commits (SQLite's default) only until that thread is ready,
 * and again if it ever stops.
 */
const startCheckpointer = () => {
  const data: CheckpointThreadData = { filename, settings: checkpoints }
  const thread = new Worker(new URL(checkpointThread), { workerData: data })
  thread.on("message", (message: string) => {
    if (message === "ready") db.pragma("wal_autocheckpoint = 0")
    // Between two commits: copies what came since the checkpointer's pass, so the next
    // commit can start the WAL over; PASSIVE, so it never waits (a later request tries again).
    if (message === "restart" && !restarting) {
      restarting = true
      setImmediate(() => {
        restarting = false
        try {
          if (db.open) db.pragma("wal_checkpoint(PASSIVE)")
        } catch {
          // The checkpointer's pass holds the checkpoint (busy): its next request tries again.
        }
      })
    }
  })
  thread.on("error", (error) => {
    console.error(`[pushback] the checkpointer failed: ${error.stack ?? String(error)}`)
  })
  thread.on("exit", (code) => {
    checkpointing = false
    if (closing) return
    console.error(`[pushback] the checkpointer stopped (${code}); commits checkpoint again`)
    db.pragma("wal_autocheckpoint = 1000")
  })
  return thread
}
let checkpointing = true
let closing = false
let restarting = false
const checkpointer = startCheckpointer()
const writes = makeSqliteWrites(db)
// The statistics of a whole group commit are written once per bucket, at its end.
const committer = makeGroupCommit(db, makeSqliteStatsBump(db).deferred)

/** Closes the file once every submitted job has committed, then ends the thread. */
const close = () => {
  if (committer.queued() > 0) {
    setImmediate(close)
    return
  }
  const end = () => {
    db.close()
    process.exit(0)
  }
  closing = true
  if (!checkpointing) return end()
  // The checkpointer's connection first: the last one to close copies the WAL back and removes it.
  checkpointer.once("exit", end)
  checkpointer.postMessage("close")
}

// Answers given while one batch runs leave together, once it is done.
let outbox: Array<{ id: number; exit: JobExit<unknown> }> = []
const send = () => {
  port.postMessage(JSON.stringify(outbox))
  outbox = []
}
const answer = (id: number, exit: JobExit<unknown>) => {
  if (outbox.push({ id, exit }) === 1) queueMicrotask(send)
}

const handle = (request: WriterRequest) => {
  if (request.op === "close") return close()
  if (request.op === "durability") {
    return answer(request.id, {
      ok: true,
      value: {
        journalMode: String(db.pragma("journal_mode", { simple: true })),
        synchronous: SYNCHRONOUS[Number(db.pragma("synchronous", { simple: true }))] ?? "unknown",
        commits: committer.commits()
      }
    })
  }
  const operation = writes[request.op] as (...args: ReadonlyArray<unknown>) => unknown
  committer.submit(
    () => operation(...request.args),
    (exit) =>
      // An Error does not survive JSON: its message does.
      answer(
        request.id,
        exit.ok ? exit : { ok: false, error: String((exit.error as Error)?.stack ?? exit.error) }
      )
  )
}
port.on("message", (text: string) => {
  for (const request of JSON.parse(text) as Array<WriterRequest>) handle(request)
})
port.postMessage(JSON.stringify({ ready: true }))
