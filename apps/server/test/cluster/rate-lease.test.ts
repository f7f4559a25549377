/**
 * The notify budget's leases (cluster/limits/redisLimits.ts), against a real Redis: two nodes'
 * Limits share one app's bucket; each takes a few tokens ahead from Redis so that it asks
 * once per lease, not once per turn. What must hold: together they never admit more than the
 * bucket gives, they admit nearly all of it, and they ask Redis far less often than per turn.
 */
import { startRedis, type TestRedis } from "@pushback/testkit"
import { Layer, ManagedRuntime } from "effect"
import { Redis } from "ioredis"
import { afterAll, beforeAll, expect, it } from "vitest"
import { Config } from "../../src/config/Config.js"
import { layerRedis } from "../../src/cluster/redis.js"
import { Limits } from "../../src/cluster/limits/Limits.js"
import { layerRedisLimits } from "../../src/cluster/limits/redisLimits.js"
import { inProcessConfig, redisCalls } from "./inProcess.js"

const RATE = 1000
let redis: TestRedis
let admin: Redis
const nodes: Array<ManagedRuntime.ManagedRuntime<Limits, unknown>> = []

beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url)
  const base = inProcessConfig()
  const config = Layer.succeed(Config, { ...base, limits: { ...base.limits, notifyPerSecond: RATE } })
  for (let i = 0; i < 2; i++) {
    nodes.push(
      ManagedRuntime.make(layerRedisLimits.pipe(Layer.provide(Layer.merge(config, layerRedis(redis.url)))))
    )
  }
})

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.dispose()))
  admin?.disconnect()
  await redis?.stop()
})

/** How many times Redis ran a script (EVALSHA or EVAL) since its statistics were reset. */
const scriptCalls = () => redisCalls(admin, "evalsha", "eval")

/** `count` calls of node `i`, `perTurn` of them in each turn of the event loop; the waits answered. */
const takeMany = async (i: number, count: number, perTurn: number): Promise<Array<number>> => {
  const limits = await nodes[i]!.runPromise(Limits)
  const waits: Array<number> = []
  for (let sent = 0; sent < count; sent += perTurn) {
    const turn = Array.from({ length: Math.min(perTurn, count - sent) }, () =>
      Promise.resolve(limits.takeNotify("app1"))
    )
    waits.push(...(await Promise.all(turn)))
  }
  return waits
}

it("two nodes share one bucket: within it Redis is asked about once per lease, beyond it nothing more is admitted", async () => {
  await admin.config("RESETSTAT")
  const started = Date.now()
  // 400 calls each, 3 per turn, within the budget: without leases, 268 script calls.
  const within = (await Promise.all([takeMany(0, 400, 3), takeMany(1, 400, 3)])).flat()
  expect(within.every((w) => w === 0)).toBe(true)
  const calls = await scriptCalls()
  expect(calls).toBeGreaterThan(0)
  expect(calls).toBeLessThanOrEqual(800 / 20)
  // 1,000 more each: the nodes together admit what the bucket holds and refills, no more (two
  // budgets would admit 1,200 more at once), and nearly all of it (a lease of 20 tokens each
  // at most is left unused).
  const beyond = (await Promise.all([takeMany(0, 1000, 3), takeMany(1, 1000, 3)])).flat()
  const elapsed = (Date.now() - started) / 1000
  const admitted = within.length + beyond.filter((w) => w === 0).length
  expect(admitted).toBeLessThanOrEqual(RATE + Math.ceil(RATE * elapsed))
  expect(admitted).toBeGreaterThanOrEqual(RATE - 2 * 20)
  expect(beyond.filter((w) => w > 0).every((w) => w >= 1)).toBe(true)
})
