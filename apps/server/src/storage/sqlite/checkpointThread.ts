/**
 * The SQLite checkpointer, on a thread of its own beside the writer (writerThread.ts starts
 * it). SQLite's default checkpoints run inside the commit that crosses 1,000 WAL pages: that
 * commit copies every page back into the database file and fsyncs it before its callers are
 * answered. A broadcast to thousands dirties a page per recipient in each per-user index, so
 * with data stored nearly every such commit carried a checkpoint (docs/benchmarks.md, "Does a
 * notify cost more as notifications pile up?"). Here the writer's automatic checkpoints are
 * off and this thread copies the WAL back on its own connection, concurrently with commits
 * (PASSIVE: it never blocks the writer). A WAL that never empties — the writer appending
 * while each pass runs — is bounded: past `restartFrames` pages this thread asks the writer for
 * a pass of its own between two commits, which copies only what came since this thread's pass
 * and lets the next commit start the WAL over (a RESTART checkpoint here would hold the write
 * lock while it waits for readers). Durability is the writer's: a checkpoint only moves
 * committed pages.
 *
 * Messages in: `"close"` (stop, close the connection, end the thread). Out: `"ready"` once
 * the connection is open, `"restart"` when the WAL should start over.
 */
import { parentPort, workerData } from "node:worker_threads"
import Database from "better-sqlite3"

/** When and how hard to checkpoint. */
export interface CheckpointSettings {
  /** How often a PASSIVE checkpoint runs. */
  readonly everyMs: number
  /** WAL pages past which the writer is asked for a pass between commits, so the WAL starts over. */
  readonly restartFrames: number
}

/** What the writer thread hands this thread when it starts it. */
export interface CheckpointThreadData {
  readonly filename: string
  readonly settings: CheckpointSettings
}

interface CheckpointRow {
  readonly busy: number
  readonly log: number
  readonly checkpointed: number
}

const port = parentPort
if (port === null) throw new Error("checkpointThread.ts runs as a worker thread")
const { filename, settings } = workerData as CheckpointThreadData
const db = new Database(filename)

const pass = () => {
  const [row] = db.pragma("wal_checkpoint(PASSIVE)") as Array<CheckpointRow>
  if (row !== undefined && row.log >= settings.restartFrames) port.postMessage("restart")
}

const timer = setInterval(() => {
  try {
    pass()
  } catch (error) {
    // SQLITE_BUSY (another checkpoint at that moment): the next pass tries again.
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error
  }
}, settings.everyMs)

port.on("message", (message: string) => {
  if (message !== "close") return
  clearInterval(timer)
  db.close()
  port.close()
})
port.postMessage("ready")
