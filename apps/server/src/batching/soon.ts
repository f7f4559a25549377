/**
 * Writes nobody waits on in a hurry — the outbox's settlements, the webhook sender's attempt
 * log — gathered for a few milliseconds and run as ONE PostgreSQL transaction: a commit (a WAL
 * flush and its round trips) per batch instead of one per write, which is most of what such a
 * write costs. The SQLite store gets the same from its writer thread (`runSoon`). A batch that
 * fails is run again one write at a time, so a failing write fails alone.
 */
import { Effect, Exit } from "effect"

/**
 * A function of one item whose calls within `holdMs` (or `max` of them) go to `runAll`
 * together; `runAll` answers one output per item, in order.
 */
export const soonBatcher = <I, O>(
  holdMs: number,
  runAll: (items: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<O>>,
  max = 256
) => {
  type Waiting = readonly [I, (exit: Exit.Exit<O>) => void]
  let waiting: Array<Waiting> = []
  let timer: ReturnType<typeof setTimeout> | undefined
  const run = (batch: ReadonlyArray<Waiting>) =>
    Effect.runPromiseExit(Effect.withTracerEnabled(runAll(batch.map(([item]) => item)), false))
  const flush = () => {
    clearTimeout(timer)
    timer = undefined
    const batch = waiting
    waiting = []
    void run(batch).then(async (exit) => {
      if (Exit.isSuccess(exit) || batch.length === 1) {
        batch.forEach(([, resume], k) => {
          resume(Exit.map(exit, (outputs) => outputs[k]!))
        })
        return
      }
      for (const one of batch) {
        const alone = await run([one])
        one[1](Exit.map(alone, (outputs) => outputs[0]!))
      }
    })
  }
  return (item: I): Effect.Effect<O> =>
    Effect.async<O>((resume) => {
      waiting.push([item, resume])
      if (waiting.length >= max) flush()
      else timer ??= setTimeout(flush, holdMs)
    })
}
