/**
 * When the storage writer thread dies, nothing in flight is answered as stored: every
 * operation it held fails, a new thread is started, and later operations go through.
 */
import { Effect, Exit } from "effect"
import { expect, it } from "vitest"
import { startWriter } from "../../src/storage/sqlite/writer.js"

const flaky = new URL("./fixtures/flaky-writer.mjs", import.meta.url)
const app = (name: string) => ({
  id: `app_${name}`,
  name,
  secret: "s",
  createdAt: "2026-01-01T00:00:00.000Z"
})

it("fails the operations in flight when the writer thread dies, then starts a new one", async () => {
  const program = Effect.gen(function* () {
    const writer = yield* startWriter("unused.db", flaky)
    const before = yield* writer.run("createApp", app("one"))
    const first = writer.thread()
    const inFlight = yield* Effect.all(
      [
        writer.run("createApp", app("crash")).pipe(Effect.exit),
        writer.run("createApp", app("three")).pipe(Effect.exit)
      ],
      { concurrency: "unbounded" }
    )
    const after = yield* writer.run("createApp", app("four"))
    return { before, inFlight, after, restarted: writer.thread() !== first }
  })
  const { before, inFlight, after, restarted } = await Effect.runPromise(Effect.scoped(program))
  expect(before).toBe("one")
  // "crash" and "three" were in flight when the thread died: neither is answered as done.
  expect(Exit.isFailure(inFlight[0]!)).toBe(true)
  expect(Exit.isFailure(inFlight[1]!)).toBe(true)
  expect(String(Exit.isFailure(inFlight[0]!) && inFlight[0].cause)).toMatch(/storage writer exited \(3\)/)
  expect(restarted).toBe(true)
  expect(after).toBe("four")
})
