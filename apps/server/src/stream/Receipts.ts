/**
 * Receipts: when a notification was first written to a session of its user (`deliveredAt`,
 * PROTOCOL.md §8). The hub hands every `notification` frame it writes, live or replayed on
 * resume, to `record`; ids are collected in memory and written about once a second per node
 * in one store transaction (which also counts them in the statistics), never a write per
 * frame. The store keeps the first time only, so a frame written again (another tab, another
 * node, a resume) changes nothing.
 *
 * What was written in the last second before a crash is not recorded; it is recorded when it
 * is next written to a session (a resume replays it). A graceful stop writes what is pending.
 */
import { Context, Effect, Layer } from "effect"
import type { Receipt } from "./StreamStore.js"
import { Store } from "../storage/Store.js"

/** How often collected receipts are written. */
const FLUSH_EVERY_MS = 1000

/**
 * Receipts written in one store transaction: a broadcast's thousands go in parts, so the rows
 * they lock (on PostgreSQL their users') are held briefly and notify calls interleave.
 */
const PER_WRITE = 500

/** Receipts held before a write starts at once, so memory stays bounded under any load. */
const MAX_PENDING = 20_000

/** The Receipts interface. */
export interface ReceiptsShape {
  /** Notes that notification `id` of `user` of `app` was just written to a session. */
  readonly record: (app: string, user: string, id: string) => void
  /** Writes what was collected; resolves once stored (tests, shutdown). */
  readonly flush: () => Promise<void>
}

/** The Receipts service tag. */
export class Receipts extends Context.Tag("@pushback/server/Receipts")<Receipts, ReceiptsShape>() {}

/** Receipts that store each batch with `write` (one batch at a time, in order). */
export const makeReceipts = (write: (receipts: ReadonlyArray<Receipt>) => Promise<unknown>) => {
  /** By `app \0 id`: a notification written to several sessions is one receipt, the first. */
  let pending = new Map<string, Receipt>()
  let timer: NodeJS.Timeout | undefined
  let writes: Promise<void> = Promise.resolve()

  const writeBatch = async (): Promise<void> => {
    if (pending.size === 0) return
    const batch = [...pending.values()]
    pending = new Map()
    // A part at a time, each its own transaction: notify calls commit between them instead of
    // waiting behind the receipts of a broadcast to thousands.
    for (let i = 0; i < batch.length; i += PER_WRITE) {
      try {
        await write(batch.slice(i, i + PER_WRITE))
      } catch (e) {
        console.error(`[pushback] recording deliveries failed: ${String(e)}`)
        // Kept for the next write, as far as the bound allows.
        for (const r of batch.slice(i)) {
          const key = `${r.app}\u0000${r.id}`
          if (pending.size < MAX_PENDING && !pending.has(key)) pending.set(key, r)
        }
        schedule()
        return
      }
    }
  }

  const schedule = () => {
    if (timer !== undefined) return
    timer = setTimeout(() => void flush(), FLUSH_EVERY_MS)
    timer.unref()
  }

  const flush = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    writes = writes.then(writeBatch)
    return writes
  }

  const record = (app: string, user: string, id: string): void => {
    const key = `${app}\u0000${id}`
    if (pending.has(key)) return
    pending.set(key, { app, user, id, at: new Date().toISOString() })
    if (pending.size === MAX_PENDING) void flush()
    else schedule()
  }

  return { record, flush } satisfies ReceiptsShape
}

/** Receipts on the Store; what is pending is written when the layer is released. */
export const layerReceipts: Layer.Layer<Receipts, never, Store> = Layer.scoped(
  Receipts,
  Effect.gen(function* () {
    const store = yield* Store
    const receipts = makeReceipts((batch) => Effect.runPromise(store.markDelivered(batch)))
    yield* Effect.addFinalizer(() => Effect.promise(receipts.flush))
    return receipts
  })
)
