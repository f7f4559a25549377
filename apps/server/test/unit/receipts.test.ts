/**
 * Receipts (stream/Receipts.ts) are written in parts of at most 500, one after the other, so
 * notify calls commit between the parts of a broadcast's thousands; a part that fails is kept,
 * with the parts after it, for the next write.
 */
import { describe, expect, it } from "vitest"
import { makeReceipts } from "../../src/stream/Receipts.js"
import type { Receipt } from "../../src/stream/StreamStore.js"

describe("Receipts", () => {
  it("writes a flush's receipts in parts of at most 500, in order, each once", async () => {
    const writes: Array<ReadonlyArray<Receipt>> = []
    const receipts = makeReceipts(async (batch) => {
      writes.push(batch)
    })
    for (let i = 0; i < 1200; i++) receipts.record("app", `u${i % 7}`, `ntf_${i}`)
    receipts.record("app", "u0", "ntf_0") // written to another session too: one receipt
    await receipts.flush()
    expect(writes.map((w) => w.length)).toEqual([500, 500, 200])
    expect(writes.flat().map((r) => r.id)).toEqual(Array.from({ length: 1200 }, (_, i) => `ntf_${i}`))
  })

  it("keeps the part that failed and the parts after it for the next write", async () => {
    const written: Array<string> = []
    let failures = 1
    const receipts = makeReceipts(async (batch) => {
      if (batch[0]!.id === "ntf_500" && failures-- > 0) throw new Error("database busy")
      written.push(...batch.map((r) => r.id))
    })
    for (let i = 0; i < 1200; i++) receipts.record("app", "u", `ntf_${i}`)
    await receipts.flush()
    expect(written).toHaveLength(500)
    await receipts.flush()
    expect(written).toEqual(Array.from({ length: 1200 }, (_, i) => `ntf_${i}`))
  })
})
