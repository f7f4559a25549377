/**
 * Presence from copies (cluster/presence/presenceCopies.ts), against a real Redis: two nodes'
 * Presence layers in this process, each with its own sessions hub. A node answers who is online
 * on the other from its copy, kept current by the other's published changes, without asking
 * Redis; a change it missed, or the other node restarting, makes it ask Redis's keys again
 * until it has read a new copy, and every answer along the way is right.
 */
import { startRedis, type TestRedis } from "@pushback/testkit"
import { eventually } from "@pushback/testkit"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Redis } from "ioredis"
import { afterAll, beforeAll, expect, it } from "vitest"
import { Presence } from "../../src/cluster/presence/Presence.js"
import { PRESENCE_CHANNEL } from "../../src/cluster/presence/presenceCopies.js"
import { lift } from "../../src/http/plain.js"
import { layerRedisPresence } from "../../src/cluster/presence/redisPresence.js"
import { layerRedis } from "../../src/cluster/redis.js"
import { Config } from "../../src/config/Config.js"
import { makeSession, type Session } from "../../src/stream/Session.js"
import { makeSessions, Sessions, type SessionsShape } from "../../src/stream/Sessions.js"
import { inProcessConfig, redisCalls } from "./inProcess.js"

const APP = "app_p"
let redis: TestRedis
let admin: Redis

interface TestNode {
  readonly hub: SessionsShape
  readonly runtime: ManagedRuntime.ManagedRuntime<Presence, unknown>
}

const startNode = (id: string): TestNode => {
  const base = inProcessConfig()
  const hub = makeSessions()
  const deps = Layer.mergeAll(
    Layer.succeed(Config, { ...base, nodeId: id }),
    Layer.succeed(Sessions, hub),
    layerRedis(redis.url)
  )
  return { hub, runtime: ManagedRuntime.make(layerRedisPresence.pipe(Layer.provide(deps))) }
}

const session = (user: string): Session =>
  makeSession({
    app: APP,
    user,
    transport: "ws",
    appSecret: "s",
    supportsClientActions: true,
    write: () => undefined,
    close: () => undefined
  })

/** Node `n`'s answer to "which of `users` are online", as a sorted list. */
const onlineOf = async (n: TestNode, users: ReadonlyArray<string>) =>
  [
    ...(await n.runtime.runPromise(Effect.flatMap(Presence, (p) => lift(() => p.onlineOf(APP, users)))))
  ].sort()

/** How many HMGETs Redis ran since its statistics were reset: the questions not answered from a copy. */
const hmgets = () => redisCalls(admin, "hmget")

let a: TestNode
let b: TestNode

beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url)
  a = startNode("node-a")
  b = startNode("node-b")
  await Promise.all([a.runtime.runPromise(Presence), b.runtime.runPromise(Presence)])
})

afterAll(async () => {
  await Promise.all([a?.runtime.dispose(), b?.runtime.dispose()])
  admin?.disconnect()
  await redis?.stop()
})

it("answers from the copy of the other node, joins and leaves included, without asking Redis", async () => {
  const s1 = session("u1")
  b.hub.add(s1)
  b.hub.add(session("u2"))
  a.hub.add(session("u3"))
  await eventually(async () => (await onlineOf(a, ["u1", "u2", "u3", "u4"])).length === 3)
  // The copy is read within a question or two; from then on no question reaches Redis.
  await eventually(async () => {
    await admin.config("RESETSTAT")
    await onlineOf(a, ["u1"])
    return (await hmgets()) === 0
  })
  const users = await a.runtime.runPromise(Effect.flatMap(Presence, (p) => lift(() => p.onlineUsers(APP))))
  expect([...users].sort()).toEqual(["u1", "u2", "u3"])
  expect(await a.runtime.runPromise(Effect.flatMap(Presence, (p) => p.sessionsOf(APP, "u1")))).toBe(1)
  b.hub.remove(s1)
  b.hub.add(session("u4"))
  await eventually(async () => (await onlineOf(a, ["u1", "u4"])).join() === "u4")
  expect(await onlineOf(a, ["u1", "u2", "u3", "u4"])).toEqual(["u2", "u3", "u4"])
  expect(await hmgets()).toBe(0)
})

it("a missed change drops the copy: Redis's keys answer until a new copy is read", async () => {
  await eventually(async () => {
    await admin.config("RESETSTAT")
    await onlineOf(a, ["u2"])
    return (await hmgets()) === 0
  })
  // A change numbered far ahead: node-a must have missed those before it.
  const [incarnation] = ((await admin.get("pushback:pstate:node-b")) ?? "").split(" ")
  await admin.publish(
    PRESENCE_CHANNEL,
    JSON.stringify({ n: "node-b", i: incarnation, v: 1e6, u: { [APP]: [["u9", 1]] } })
  )
  await eventually(async () => {
    expect(await onlineOf(a, ["u2", "u9"])).toEqual(["u2"]) // never u9: the change was not applied
    return (await hmgets()) > 0
  })
  // Read again, the copy answers alone once more.
  await eventually(async () => {
    await admin.config("RESETSTAT")
    expect(await onlineOf(a, ["u2", "u9"])).toEqual(["u2"])
    return (await hmgets()) === 0
  })
})

it("a node that restarts under the same id is copied again, its old sessions gone", async () => {
  await b.runtime.dispose()
  b = startNode("node-b")
  await b.runtime.runPromise(Presence)
  b.hub.add(session("u5"))
  await eventually(async () => (await onlineOf(a, ["u2", "u4", "u5"])).join() === "u5")
  await eventually(async () => {
    await admin.config("RESETSTAT")
    expect(await onlineOf(a, ["u2", "u4", "u5"])).toEqual(["u5"])
    return (await hmgets()) === 0
  })
})

it("asks nothing of Redis when every recipient is online on this node", async () => {
  const c = startNode("node-c") // a new node: no list of live nodes read yet
  try {
    await c.runtime.runPromise(Presence)
    c.hub.add(session("u7"))
    c.hub.add(session("u8"))
    const listed = () => redisCalls(admin, "zrangebyscore")
    await admin.config("RESETSTAT")
    expect(await onlineOf(c, ["u7", "u8"])).toEqual(["u7", "u8"])
    expect(await listed()).toBe(0)
    // one recipient that is not here: the other nodes are listed and asked
    b.hub.add(session("u9"))
    await eventually(async () => (await onlineOf(c, ["u7", "u9"])).join() === "u7,u9")
    expect(await listed()).toBeGreaterThan(0)
  } finally {
    await c.runtime.dispose()
  }
})
