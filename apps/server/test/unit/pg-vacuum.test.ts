/**
 * The outbox's own VACUUM on PostgreSQL (src/outbox/pgVacuum.ts): once AFTER jobs were settled,
 * at most every MIN_INTERVAL_MS, one at a time, in the background; a failed one is logged and
 * the next comes as usual. The statement itself runs against a real PostgreSQL in the webhook
 * bench (bench/peers/webhooks.mjs), where it is what keeps claims fast.
 */
import { Effect } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import { AFTER, MIN_INTERVAL_MS, makeOutboxVacuum } from "../../src/outbox/pgVacuum.js"

/** A stand-in for the SQL client: records each statement; each ends when the test says. */
const fakeSql = (fail = false) => {
  const statements: Array<string> = []
  const pending: Array<() => void> = []
  const sql = (strings: TemplateStringsArray) => {
    statements.push(strings.join("?"))
    return Effect.async<void, Error>((resume) => {
      pending.push(() => resume(fail ? Effect.fail(new Error("no table")) : Effect.void))
    })
  }
  const finishAll = async () => {
    for (const end of pending.splice(0)) end()
    await new Promise((r) => setTimeout(r, 0))
  }
  return { sql, statements, finishAll }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe("the outbox's vacuum on PostgreSQL", () => {
  it("vacuums once AFTER jobs are settled, never two at once, at most every MIN_INTERVAL_MS", async () => {
    let clock = 1_000_000
    const { sql, statements, finishAll } = fakeSql()
    const settled = makeOutboxVacuum(sql, () => clock)
    settled(AFTER - 1)
    await new Promise((r) => setTimeout(r, 0))
    expect(statements).toEqual([])
    settled(1)
    await new Promise((r) => setTimeout(r, 0))
    expect(statements).toEqual(["VACUUM (SKIP_LOCKED, INDEX_CLEANUP ON) outbox"])
    // while it runs, even past the interval, more settlements start none
    clock += MIN_INTERVAL_MS * 2
    settled(AFTER * 3)
    await new Promise((r) => setTimeout(r, 0))
    expect(statements).toHaveLength(1)
    await finishAll()
    // nor within the interval after the start of the last one
    clock -= MIN_INTERVAL_MS + 1
    settled(AFTER)
    await new Promise((r) => setTimeout(r, 0))
    expect(statements).toHaveLength(1)
    clock += 1
    settled(1)
    await new Promise((r) => setTimeout(r, 0))
    expect(statements).toHaveLength(2)
  })

  it("logs a vacuum that failed, and vacuums again when the next is due", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined)
    let clock = 0
    const { sql, statements, finishAll } = fakeSql(true)
    const settled = makeOutboxVacuum(sql, () => clock)
    clock = MIN_INTERVAL_MS
    settled(AFTER)
    await finishAll()
    expect(logged.mock.calls[0]?.[0]).toContain("vacuuming the outbox failed")
    clock += MIN_INTERVAL_MS
    settled(AFTER)
    await new Promise((r) => setTimeout(r, 0))
    expect(statements).toHaveLength(2)
  })
})
