/**
 * Group commit on a real SQLite file: concurrent jobs share commits, each gets its own
 * result, and one that throws fails alone while the others of its batch commit.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { afterAll, expect, it } from "vitest"
import { type JobExit, makeGroupCommit } from "../../src/storage/sqlite/groupCommit.js"

const dir = mkdtempSync(join(tmpdir(), "pushback-gc-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it("answers each job with its own result after one shared commit, and fails only the job that throws", async () => {
  const db = new Database(join(dir, "gc.db"))
  db.pragma("journal_mode = WAL")
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
  const insert = db.prepare("INSERT INTO t (id, v) VALUES (?, ?)")
  const commit = makeGroupCommit(db)

  const job = (i: number) =>
    new Promise<JobExit<number>>((done) => {
      commit.submit(() => {
        insert.run(i, `v${i}`)
        if (i % 5 === 0) throw new Error(`job ${i} refused`)
        return i * 10
      }, done)
    })
  const exits = await Promise.all(Array.from({ length: 40 }, (_, i) => job(i + 1)))

  exits.forEach((exit, index) => {
    const i = index + 1
    if (i % 5 === 0) expect(exit).toEqual({ ok: false, error: new Error(`job ${i} refused`) })
    else expect(exit).toEqual({ ok: true, value: i * 10 })
  })
  const ids = db.prepare("SELECT id FROM t ORDER BY id").pluck().all()
  expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => i + 1).filter((i) => i % 5 !== 0))
  // One shared attempt rolled back, then one commit per job that did not throw.
  expect(commit.commits()).toBe(32)

  // Without a failure, concurrent jobs share one commit.
  const before = commit.commits()
  const fine = await Promise.all(
    Array.from({ length: 20 }, (_, i) => new Promise<JobExit<number>>((done) => commit.submit(() => i, done)))
  )
  expect(fine.every((e) => e.ok)).toBe(true)
  expect(commit.commits() - before).toBe(1)
  db.close()
})
