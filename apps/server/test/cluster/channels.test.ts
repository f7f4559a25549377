/**
 * Channels on several nodes (PROTOCOL.md §12), real PostgreSQL + Redis and two nodes: a
 * publication made through node A reaches the subscribers on node B; presence asked on A lists
 * the users subscribed on B; after a Redis restart a position of the lost epoch recovers nothing
 * (`recovered: false`) and a live subscriber is told the new epoch before the next publication,
 * never a silent gap; the members of a node stalled past the lifetime leave and join again when
 * it beats; the members of a node killed with SIGKILL leave within 30 s (the beat is shortened
 * through the config so the wait is a few seconds).
 */
import type { ServerFrame } from "@pushback/protocol/types"
import { createApp, eventually, request, type TestApp, useCluster } from "@pushback/testkit"
import { beforeAll, expect, it } from "vitest"
import { connectWsChannels, publishAs, putNamespace, tokenWith } from "../channels/clients.js"

const cluster = useCluster({ nodes: 2, node: { config: { channels: { beatMs: 500, lifetimeMs: 3000 } } } })
let app: TestApp

type Subscribed = Extract<ServerFrame, { type: "subscribed" }>
const subscribedTo =
  (channel: string) =>
  (f: ServerFrame): f is Subscribed =>
    f.type === "subscribed" && f.channel === channel

beforeAll(async () => {
  const [a, b] = cluster.nodes
  app = await createApp(a!, "channels-cluster")
  await putNamespace(a!, app, "doc", {
    presence: true,
    joinLeave: true,
    history: { size: 50, ttlSeconds: 600 }
  })
  // Node B hears of the namespace over Redis.
  await eventually(async () => {
    const list = await request<{ namespaces: Array<{ name: string }> }>(b!.url, "GET", "/v1/namespaces", {
      token: app.secret
    })
    return list.body.namespaces.some((n) => n.name === "doc")
  })
})

/** A join or leave frame of `user`. */
const memberFrame =
  (kind: "join" | "leave", user: string) =>
  (f: ServerFrame): boolean =>
    f.type === kind && (f as { user: string }).user === user

type Node = (typeof cluster.nodes)[number]
/**
 * An observer of `channel` on node `at`, and `member` on node `on`, once the observer's node
 * lists the member in presence (the tests below then stop or kill `on`).
 */
const observeMember = async (at: Node, on: Node, channel: string, observer: string, member: string) => {
  const watching = await connectWsChannels(at, tokenWith(app, observer, ["doc:*"]), [channel])
  const joined = await connectWsChannels(on, tokenWith(app, member, ["doc:*"]), [channel])
  await eventually(async () => (await presenceOn(at.url, channel)).some((u) => u.id === member))
  return { watching, joined }
}

const presenceOn = async (url: string, channel: string) =>
  (
    await request<{ users: Array<{ id: string; sessions: number }> }>(
      url,
      "GET",
      `/v1/channels/${channel}/presence`,
      {
        token: app.secret
      }
    )
  ).body.users

it("a publication through node A reaches node B's subscribers; A's presence lists B's users", async () => {
  const [a, b] = cluster.nodes
  const channel = "doc:across"
  const onB = await connectWsChannels(b!, tokenWith(app, "bea", ["doc:*"]), [channel])
  const onA = await connectWsChannels(a!, tokenWith(app, "abe", ["doc:*"]), [channel])
  await onB.next(subscribedTo(channel))
  for (const n of [1, 2, 3]) await publishAs(a!, app, channel, { n })
  const got = await onB.collect(3, (f) => f.type === "publication" && f.channel === channel)
  expect(got.map((f) => (f as { data: unknown }).data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
  expect((await presenceOn(a!.url, channel)).map((u) => u.id).sort()).toEqual(["abe", "bea"])
  // B's observer hears abe join (made on A).
  await onB.next(memberFrame("join", "abe"))
  await Promise.all([onA.close(), onB.close()])
})

it("a Redis restart gives recovered: false (a new epoch), never a silent gap", async () => {
  const [a, b] = cluster.nodes
  const channel = "doc:restart"
  const live = await connectWsChannels(b!, tokenWith(app, "liv", ["doc:*"]), [channel])
  const before = await live.next(subscribedTo(channel))
  const last = await publishAs(a!, app, channel, { before: true })
  await live.next((f) => f.type === "publication" && f.channel === channel)

  await cluster.redis.stop()
  await cluster.redis.start()
  for (const node of cluster.nodes)
    await eventually(async () => (await request(node.url, "GET", "/readyz")).status === 200, {
      timeout: 15_000
    })

  // A client coming back with its position in the lost epoch recovers nothing.
  const back = await connectWsChannels(a!, tokenWith(app, "ret", ["doc:*"]), [channel], {
    [channel]: { epoch: last.epoch, offset: last.offset }
  })
  const again = await back.next(subscribedTo(channel))
  expect(again.recovered).toBe(false)
  expect(again.epoch).not.toBe(before.epoch)
  // The live subscriber is told of the new epoch before the next publication it gets. (Its node
  // may take a moment to listen again after Redis came back: publish until one arrives.)
  const isPublication = (f: ServerFrame) => f.type === "publication" && f.channel === channel
  let first: ServerFrame | undefined
  for (let i = 0; first === undefined; i++) {
    expect(i).toBeLessThan(20)
    expect((await publishAs(a!, app, channel, { after: i })).epoch).toBe(again.epoch)
    first = await live.next(isPublication, 500).catch(() => undefined)
  }
  const told = live.frames.find((f): f is Subscribed => f.type === "subscribed" && f.epoch === again.epoch)
  expect(told).toMatchObject({ channel, recovered: false })
  expect(live.frames.indexOf(told!)).toBeLessThan(live.frames.indexOf(first))
  expect(first).toMatchObject({ offset: told!.offset + 1 })
  await Promise.all([live.close(), back.close()])
}, 40_000)

it("a node stalled past the lifetime has its members leave, and join again once it beats", async () => {
  const [a, b] = cluster.nodes
  const channel = "doc:stalled"
  const { watching: observer, joined: sleepy } = await observeMember(a!, b!, channel, "obs2", "sleepy")
  // The join of sleepy's first arrival, taken so that only a new one matches below.
  await observer.next(memberFrame("join", "sleepy"))
  // SIGSTOP: B beats no more, so after lifetimeMs (3 s here) A takes it for dead.
  b!.process.kill("SIGSTOP")
  try {
    await observer.next(memberFrame("leave", "sleepy"), 15_000)
  } finally {
    b!.process.kill("SIGCONT")
  }
  // B was alive after all: its next beat finds it was swept and writes its members again, told.
  await observer.next(memberFrame("join", "sleepy"), 15_000)
  await eventually(async () => (await presenceOn(a!.url, channel)).some((u) => u.id === "sleepy"))
  await Promise.all([observer.close(), sleepy.close()])
}, 45_000)

it("the members of a node killed with SIGKILL leave within 30 s", async () => {
  const [a, b] = cluster.nodes
  const channel = "doc:ghosts"
  const { watching: observer, joined: ghost } = await observeMember(a!, b!, channel, "obs", "ghost")
  await b!.kill()
  const killed = Date.now()
  await observer.next(memberFrame("leave", "ghost"), 30_000)
  expect(Date.now() - killed).toBeLessThan(30_000)
  expect((await presenceOn(a!.url, channel)).map((u) => u.id)).toEqual(["obs"])
  await Promise.all([observer.close(), ghost.close().catch(() => undefined)])
}, 45_000)
