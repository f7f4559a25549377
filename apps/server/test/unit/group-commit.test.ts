/**
 * Group commit on a real SQLite file: concurrent transactions, possibly sharing a commit, each
 * get their own result, and a failing one rolls back alone (its savepoint).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Either } from "effect"
import { afterAll, expect, it } from "vitest"
import { makeGroupCommit } from "../../src/store/groupCommit.js"

const dir = mkdtempSync(join(tmpdir(), "pushback-gc-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it("answers each concurrent job with its own result and rolls back only the ones that fail", async () => {
  const program = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`
    const commit = yield* makeGroupCommit
    const job = (i: number) =>
      commit(
        Effect.gen(function* () {
          yield* sql`INSERT INTO t (id, v) VALUES (${i}, ${`v${i}`})`.pipe(Effect.orDie)
          if (i % 5 === 0) return yield* Effect.fail(`job ${i} refused`)
          return i * 10
        })
      ).pipe(Effect.either)
    const results = yield* Effect.all(
      Array.from({ length: 40 }, (_, i) => job(i + 1)),
      { concurrency: "unbounded" }
    )
    const rows = yield* sql`SELECT id FROM t ORDER BY id`.pipe(Effect.orDie)
    return { results, ids: rows.map((r) => Number(r["id"])) }
  })
  const { results, ids } = await Effect.runPromise(
    program.pipe(Effect.provide(SqliteClient.layer({ filename: join(dir, "gc.db") })), Effect.scoped)
  )
  results.forEach((r, index) => {
    const i = index + 1
    if (i % 5 === 0) expect(r).toEqual(Either.left(`job ${i} refused`))
    else expect(r).toEqual(Either.right(i * 10))
  })
  expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => i + 1).filter((i) => i % 5 !== 0))
})
