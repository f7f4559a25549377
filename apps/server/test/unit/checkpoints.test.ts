/**
 * The SQLite writer's checkpoints run on a thread of their own (storage/sqlite/checkpointThread.ts),
 * not inside commits. What must hold: under writes that never pause — each commit landing while
 * the last checkpoint pass runs, so the WAL never empties by itself — the WAL stays bounded and
 * the pages reach the database file; closing the store leaves no WAL behind, with every
 * committed row in the file; and if that thread dies, the writer checkpoints in its commits
 * again rather than letting the WAL grow without end.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, expect, it } from "vitest"
import { layerSqliteStore } from "../../src/storage/sqlite/sqlite.js"
import { startWriter } from "../../src/storage/sqlite/writer.js"
import { Store } from "../../src/storage/Store.js"
import { writerThreadUrl } from "../contract/support.js"

const dir = mkdtempSync(join(tmpdir(), "pushback-checkpoints-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const JOBS = 160
const USERS_PER_JOB = 500
const now = "2026-01-01T00:00:00.000Z"
/** ~150 KB a job: a name of 250 characters for each of 500 new users. */
const usersOf = (job: number) =>
  Array.from({ length: USERS_PER_JOB }, (_, k) => ({
    id: `u${job}_${k}`,
    name: `${job}-${k}-`.padEnd(250, "x")
  }))

/**
 * Writes ~27 MB through a writer on a new database, four jobs always in flight (the writer never
 * waits for the next one), and closes it; answers the WAL's largest size meanwhile.
 */
const writeMany = async (file: string, checkpoints: Parameters<typeof startWriter>[2]) => {
  // The schema, made as the server makes it; then the writer alone.
  const migrated = ManagedRuntime.make(layerSqliteStore(file, writerThreadUrl()))
  await migrated.runPromise(Store)
  await migrated.dispose()
  let walHigh = 0
  const watch = setInterval(() => {
    if (existsSync(`${file}-wal`)) walHigh = Math.max(walHigh, statSync(`${file}-wal`).size)
  }, 5)
  try {
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const writer = yield* startWriter(file, writerThreadUrl(), checkpoints)
          yield* Effect.forEach(
            Array.from({ length: JOBS }, (_, i) => i),
            (i) => writer.run("upsertUsers", "app_1", usersOf(i), now),
            { concurrency: 4, discard: true }
          )
        })
      )
    )
  } finally {
    clearInterval(watch)
  }
  return walHigh
}

const rowsIn = (file: string) => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare("SELECT COUNT(*) AS n FROM users").get()
  } finally {
    db.close()
  }
}

it("keeps the WAL bounded under writes that never pause, and leaves none behind on close", async () => {
  const file = join(dir, "busy.db")
  const walHigh = await writeMany(file, { settings: { everyMs: 20, restartFrames: 64 } })
  const written = statSync(file).size
  expect(written).toBeGreaterThan(20 * 1024 * 1024)
  // Without checkpoints the WAL would hold all of it; with PASSIVE passes alone, which never
  // catch up with a writer that never pauses, 20 MB; with the writer's pass between commits
  // when asked, 3.5 MB (half is the bound, for a loaded machine).
  expect(walHigh).toBeGreaterThan(0)
  expect(walHigh).toBeLessThan(written / 2)
  // The writer closed after its checkpointer: the last connection copied the WAL back and removed it.
  expect(existsSync(`${file}-wal`)).toBe(false)
  expect(rowsIn(file)).toEqual({ n: JOBS * USERS_PER_JOB })
})

it("checkpoints in the writer's commits again when the checkpointer thread dies", async () => {
  const file = join(dir, "orphan.db")
  const thread = new URL("./fixtures/dying-checkpointer.mjs", import.meta.url)
  const walHigh = await writeMany(file, { thread })
  const written = statSync(file).size
  expect(written).toBeGreaterThan(20 * 1024 * 1024)
  // SQLite's own checkpoints (every 1,000 pages, 4 MB) are back: the WAL stays near that size.
  expect(walHigh).toBeLessThan(written / 2)
  expect(existsSync(`${file}-wal`)).toBe(false)
  expect(rowsIn(file)).toEqual({ n: JOBS * USERS_PER_JOB })
})
