/**
 * The PostgreSQL node's app cache (pgAppCache.ts), on a fake clock: what it keeps, for how
 * long, and that a forget wins over a read that was under way when it came.
 */
import { Deferred, Effect } from "effect"
import { describe, expect, it } from "vitest"
import { APP_CACHE_MS, makeAppCache } from "../../src/storage/postgres/pgAppCache.js"
import type { AppRecord } from "../../src/tenancy/TenancyStore.js"

const app = (secret: string): AppRecord => ({
  id: "app_a",
  name: "a",
  secret,
  createdAt: "2026-01-01T00:00:00.000Z"
})

const setup = () => {
  let clock = 0
  let stored: AppRecord | undefined = app("s1")
  const reads: Array<string> = []
  const cache = makeAppCache(
    (id) =>
      Effect.sync(() => {
        reads.push(id)
        return stored
      }),
    true,
    () => clock
  )
  return {
    cache,
    reads,
    tick: (ms: number) => {
      clock += ms
    },
    store: (a: AppRecord | undefined) => {
      stored = a
    }
  }
}

describe("the app cache of a PostgreSQL node", () => {
  it("answers from memory for APP_CACHE_MS, then reads again", async () => {
    const t = setup()
    expect((await Effect.runPromise(t.cache.get("app_a")))?.secret).toBe("s1")
    t.store(app("s2"))
    t.tick(APP_CACHE_MS - 1)
    expect((await Effect.runPromise(t.cache.get("app_a")))?.secret).toBe("s1")
    expect(t.reads).toHaveLength(1)
    t.tick(1)
    expect((await Effect.runPromise(t.cache.get("app_a")))?.secret).toBe("s2")
    expect(t.reads).toHaveLength(2)
  })

  it("forget makes the next lookup read", async () => {
    const t = setup()
    await Effect.runPromise(t.cache.get("app_a"))
    t.store(app("s2"))
    t.cache.forget("app_a")
    expect((await Effect.runPromise(t.cache.get("app_a")))?.secret).toBe("s2")
  })

  it("keeps no miss: an app made elsewhere is found on the next request", async () => {
    const t = setup()
    t.store(undefined)
    expect(await Effect.runPromise(t.cache.get("app_a"))).toBeUndefined()
    t.store(app("s1"))
    expect((await Effect.runPromise(t.cache.get("app_a")))?.secret).toBe("s1")
    expect(t.reads).toHaveLength(2)
  })

  it("a read under way when a forget comes does not keep the old app", async () => {
    let clock = 0
    const gate = Effect.runSync(Deferred.make<void>())
    let reads = 0
    const cache = makeAppCache(
      () =>
        Effect.gen(function* () {
          reads++
          if (reads === 1) yield* Deferred.await(gate) // the first read sees the old secret, late
          return app(reads === 1 ? "old" : "new")
        }),
      true,
      () => clock
    )
    const slow = Effect.runPromise(cache.get("app_a"))
    cache.forget("app_a") // the rotation's NOTIFY arrives while the first read is out
    Effect.runSync(Deferred.succeed(gate, undefined))
    expect((await slow)?.secret).toBe("old")
    clock += 1
    expect((await Effect.runPromise(cache.get("app_a")))?.secret).toBe("new")
  })
})
