/**
 * Plain code on the request path (issue 22): a fiber per request cost the notify path more
 * than a third of its CPU (docs/benchmarks.md, "A notify path without a fiber per request").
 * The hot services therefore answer with a value, or a promise when they must wait for
 * Redis, PostgreSQL or the writer thread (`Plain`), and the routes that need speed are plain
 * async functions built once from the services (Route.ts `plainRoute`). Effect keeps the
 * structure: services, layers and resource safety, and every other route.
 *
 * These helpers cross between the two: `lift` and `attempt` run plain code inside an Effect,
 * `runPlain` runs an Effect from plain code (on several nodes, where Redis or PostgreSQL does
 * the waiting anyway).
 */
import { Cause, Effect, Exit } from "effect"
import { ApiError } from "./ApiError.js"

/** An answer now, or later when it must wait for a reply. */
export type Plain<A> = A | Promise<A>

/** Whether a plain answer must be awaited. */
const isPromise = <A>(value: Plain<A>): value is Promise<A> =>
  typeof (value as { then?: unknown } | null)?.then === "function"

/** `f` applied to a plain answer: at once when it is there, else when it comes. */
export const mapPlain = <A, B>(value: Plain<A>, f: (a: A) => B): Plain<B> =>
  isPromise(value) ? value.then(f) : f(value)

/** Plain code that never fails as an Effect (a throw or rejection is a defect). */
export const lift = <A>(run: () => Plain<A>): Effect.Effect<A> =>
  Effect.suspend(() => {
    const value = run()
    return isPromise(value) ? Effect.promise(() => value) : Effect.succeed(value)
  })

/** Plain code that refuses with an ApiError as an Effect failing with it (anything else is a defect). */
export const attempt = <A>(run: () => Plain<A>): Effect.Effect<A, ApiError> =>
  Effect.suspend(() => {
    let value: Plain<A>
    try {
      value = run()
    } catch (e) {
      return e instanceof ApiError ? Effect.fail(e) : Effect.die(e)
    }
    if (!isPromise(value)) return Effect.succeed(value)
    return Effect.async<A, ApiError>((resume) => {
      value.then(
        (a) => resume(Effect.succeed(a)),
        (e) => resume(e instanceof ApiError ? Effect.fail(e) : Effect.die(e))
      )
    })
  })

/**
 * An Effect run from plain code: its value, or a rejection with its failure (an ApiError as
 * itself) or, for a defect, an Error carrying the whole cause.
 */
export const runPlain = <A, E>(effect: Effect.Effect<A, E>): Promise<A> =>
  Effect.runPromiseExit(Effect.withTracerEnabled(effect, false)).then((exit) => {
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "Some") throw failure.value
    throw new Error(Cause.pretty(exit.cause))
  })
