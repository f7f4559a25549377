/**
 * What the Store contract (storeContract.ts) shares between its parts: a store built from a
 * backend's layer once per file and run in-process, notify calls built as Delivery builds them,
 * and fixed instants, so statistics buckets and pruning are the same on every run.
 */
import { Effect, type Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, inject } from "vitest"
import type { EmailPlan } from "../../src/email/emailPlan.js"
import { encodeShared, recipientId } from "../../src/notify/Encode.js"
import type { NotifyJob, NotifyOutcome } from "../../src/notify/NotifyStore.js"
import { Store, type StoreShape } from "../../src/storage/Store.js"
import type { UserInput } from "../../src/tenancy/TenancyStore.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** `file:` URL of the SQLite writer thread bundled from src (scripts/vitest/writerThread.mjs). */
    pushbackWriterThread: string
  }
}

/** The SQLite writer thread built from src by the unit project's globalSetup (no `pnpm build`). */
export const writerThreadUrl = (): URL => new URL(inject("pushbackWriterThread"))

/** Runs an effect (or a method that answers a promise, as `notify`) against the store under test. */
export type RunStore = <A>(f: (store: StoreShape) => Effect.Effect<A> | Promise<A>) => Promise<A>

/** A store on `layer` for the tests of one file: built before them, closed after them. */
export const useStore = (layer: () => Layer.Layer<Store>): RunStore => {
  let runtime: ManagedRuntime.ManagedRuntime<Store, never> | undefined
  beforeAll(async () => {
    runtime = ManagedRuntime.make(layer())
    await runtime.runPromise(Store)
  })
  afterAll(async () => {
    await runtime?.dispose()
  })
  return (f) => {
    if (runtime === undefined) throw new Error("the store is not started")
    return runtime.runPromise(
      Effect.flatMap(Store, (store) => {
        const answer = f(store)
        return Effect.isEffect(answer) ? answer : Effect.promise(() => answer)
      })
    )
  }
}

/** Fixed instants: t(0) is 2026-03-01T10:00:00.000Z, t(n) n minutes later. */
export const t = (minutes: number, seconds = 0): string =>
  new Date(Date.UTC(2026, 2, 1, 10, minutes, seconds)).toISOString()

let apps = 0
/** A fresh app id for one test, so the tests of a file share a database and nothing else. */
export const newAppId = (): string => `app_c${++apps}_${Date.now().toString(36)}`

/** Creates an app with a fresh id and answers the id. */
export const withApp = async (run: RunStore, createdAt = t(0)): Promise<string> => {
  const id = newAppId()
  await run((s) => s.createApp({ id, name: `Contract ${id}`, secret: `sk_${id}`, createdAt }))
  return id
}

let stems = 0

/** A notify call as Delivery stores it: `users` named (or every registered user), at `at`. */
export const notifyJob = (
  app: string,
  users: ReadonlyArray<UserInput | string> | undefined,
  options: {
    readonly at?: string
    readonly type?: string | null
    readonly title?: string
    readonly idempotency?: { key: string; bodyHash: string; notBefore?: string }
    readonly online?: ReadonlyArray<string>
    /** The call's `email` block (JSON text) and the plan Delivery makes of it. */
    readonly email?: { readonly block: string; readonly plan: EmailPlan }
  } = {}
): NotifyJob => {
  const stem = `c${++stems}${Date.now().toString(36)}`
  const fields = {
    type: options.type ?? null,
    title: options.title ?? stem,
    content: JSON.stringify({ stem }),
    url: null,
    icon: null,
    image: null,
    data: null,
    author: null,
    createdAt: options.at ?? t(0)
  }
  const idem = options.idempotency
  return {
    app,
    callId: `call_${stem}`,
    stem,
    fields,
    shared: encodeShared(fields),
    users: users?.map((u) => (typeof u === "string" ? { id: u } : u)),
    online: options.online ?? [],
    email: options.email?.block ?? null,
    emailPlan: options.email?.plan,
    idempotency:
      idem === undefined
        ? undefined
        : { key: idem.key, bodyHash: idem.bodyHash, notBefore: idem.notBefore ?? t(-60) }
  }
}

/** The outcome of a call that must have been stored. */
export const stored = (outcome: NotifyOutcome) => {
  if (outcome._tag !== "Stored") throw new Error(`expected Stored, got ${outcome._tag}`)
  return outcome
}

/** The id recipient `index` of `job` gets. */
export const idOf = (job: NotifyJob, index: number): string => recipientId(job.stem, index)
