/**
 * Per-turn batching (issue 22): questions asked in one turn of the event loop — the apps of the
 * requests read in that turn, their rate-limit tokens — go to PostgreSQL or Redis as ONE
 * round trip, asked on the next turn, instead of one round trip each. Every answer is still
 * read after its request arrived, so nothing is served from a cache: only the trip is shared.
 */
import { Effect, Exit } from "effect"

/**
 * A loader of values by key: `load(key)` joins the keys asked in this turn, and `read` gets
 * them all in one go on the next (each distinct key once, answers by key; a key it leaves out
 * answers undefined). A failed read fails every `load` of its turn.
 */
export const perTurnLoader = <V, E = never>(
  read: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, V>, E>
) => {
  let waiting: Map<string, Array<(exit: Exit.Exit<V | undefined, E>) => void>> | undefined
  const flush = () => {
    const batch = waiting!
    waiting = undefined
    void Effect.runPromiseExit(Effect.withTracerEnabled(read([...batch.keys()]), false)).then((exit) => {
      for (const [key, resumes] of batch) {
        const answer: Exit.Exit<V | undefined, E> = Exit.map(exit, (values) => values.get(key))
        for (const resume of resumes) resume(answer)
      }
    })
  }
  return (key: string): Effect.Effect<V | undefined, E> =>
    Effect.async<V | undefined, E>((resume) => {
      if (waiting === undefined) {
        waiting = new Map()
        setImmediate(flush)
      }
      const resumes = waiting.get(key)
      if (resumes === undefined) waiting.set(key, [resume])
      else resumes.push(resume)
    })
}

/**
 * A counter by key: `take(key)` joins this turn's takes, and `read` is asked once per turn
 * with how many of each key were taken (answers per key, one per take, in order).
 */
export const perTurnCounter = <V, E = never>(
  read: (counts: ReadonlyMap<string, number>) => Effect.Effect<ReadonlyMap<string, ReadonlyArray<V>>, E>
) => {
  let waiting: Map<string, Array<(exit: Exit.Exit<V, E>) => void>> | undefined
  const flush = () => {
    const batch = waiting!
    waiting = undefined
    const counts = new Map([...batch].map(([key, resumes]) => [key, resumes.length]))
    void Effect.runPromiseExit(Effect.withTracerEnabled(read(counts), false)).then((exit) => {
      for (const [key, resumes] of batch) {
        resumes.forEach((resume, i) => {
          resume(Exit.map(exit, (answers) => answers.get(key)![i]!))
        })
      }
    })
  }
  return (key: string): Effect.Effect<V, E> =>
    Effect.async<V, E>((resume) => {
      if (waiting === undefined) {
        waiting = new Map()
        setImmediate(flush)
      }
      const resumes = waiting.get(key)
      if (resumes === undefined) waiting.set(key, [resume])
      else resumes.push(resume)
    })
}
