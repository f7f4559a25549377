/**
 * Faults of a cluster (PROTOCOL.md §6), on three nodes behind nginx: a node killed with
 * SIGKILL under notify load (its clients reconnect through nginx to another node and resume
 * with no gap and no duplicate; every acknowledged call exists exactly once), Redis gone for
 * 5 s under load (notify still answers 2xx, /readyz says 503 with bus: false, and within 10 s
 * of its return every session has everything), and a wake-up that never comes at all (a
 * notify stored by a node that is not on the bus reaches the cluster's sessions anyway).
 */
import { randomUUID } from "node:crypto"
import {
  type ClusterEndpoint,
  createApp,
  eventually,
  registerUsers,
  request,
  startServer,
  type TestApp,
  useCluster,
  userToken
} from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { contiguous, follow, type Follower } from "./cluster.js"

const cluster = useCluster({ nginx: true })
let app: TestApp

beforeAll(async () => {
  app = await createApp(cluster.lb, "faults")
})

/**
 * Notify calls at `endpoint` to random users until `stop`, each with an idempotency key and
 * retried with it until it is acknowledged (a node dying mid-call answers 502 through nginx):
 * answers the acknowledged calls per user, by their key (also their content).
 */
const load = (endpoint: () => ClusterEndpoint, users: ReadonlyArray<string>) => {
  const acked = new Map<string, Array<string>>(users.map((u) => [u, []]))
  let stopped = false
  const worker = async () => {
    while (!stopped) {
      const user = users[Math.floor(Math.random() * users.length)]!
      const key = randomUUID()
      for (;;) {
        const res = await request(endpoint().url, "POST", "/v1/notify", {
          token: app.secret,
          headers: { "idempotency-key": key },
          body: { users: [user], content: key }
        }).catch(() => undefined)
        if (res?.status === 202) {
          acked.get(user)!.push(key)
          break
        }
        await new Promise((r) => setTimeout(r, 50))
      }
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  const workers = Array.from({ length: 4 }, worker)
  return {
    acked,
    stop: async () => {
      stopped = true
      await Promise.all(workers)
      return acked
    }
  }
}

/** The contents of every notification in `user`'s inbox, all pages. */
const inbox = async (user: string): Promise<Array<string>> => {
  const contents: Array<string> = []
  for (;;) {
    const page = await request<{ count: number; results: Array<{ content: string }> }>(
      cluster.lb.url,
      "GET",
      `/v1/users/${user}/notifications?limit=100&offset=${contents.length}`,
      { token: app.secret }
    )
    contents.push(...page.body.results.map((n) => n.content))
    if (page.body.results.length === 0 || contents.length >= page.body.count) return contents
  }
}

/** Every follower has exactly its user's acknowledged calls, seq 1..n once each, in order. */
const expectComplete = async (followers: Map<string, Follower>, acked: Map<string, Array<string>>) => {
  for (const [user, follower] of followers) {
    const stored = (await inbox(user)).sort()
    expect(stored).toEqual([...acked.get(user)!].sort()) // every 2xx exactly once, nothing else
    // Resuming through nginx after a kill -9 can take more than 10 s on a loaded CI machine.
    await eventually(() => follower.seqs.length >= stored.length, { timeout: 30_000 })
    expect(contiguous(follower.seqs, stored.length), `${user}: ${follower.seqs.join(",")}`).toBe(true)
  }
}

const followAll = async (prefix: string, count: number) => {
  const users = Array.from({ length: count }, (_, i) => `${prefix}${i}`)
  const followers = new Map<string, Follower>()
  for (const user of users) {
    await registerUsers(cluster.lb, app, [user])
    followers.set(user, await follow(cluster.lb, () => userToken(cluster.lb, app, user, { register: true })))
  }
  return { users, followers }
}

describe("faults of a cluster", () => {
  it("kill -9 one node mid-stream: its clients resume through nginx with no gap and no duplicate", async () => {
    const { users, followers } = await followAll("k", 12)
    const traffic = load(() => cluster.lb, users)
    try {
      await eventually(() => [...traffic.acked.values()].flat().length >= 30, { timeout: 15_000 })
      await cluster.nodes[2]!.kill()
      await eventually(() => [...traffic.acked.values()].flat().length >= 90, { timeout: 20_000 })
      const acked = await traffic.stop()
      await expectComplete(followers, acked)
      // The dead node's clients did reconnect (to the others).
      expect([...followers.values()].some((f) => f.connections() > 1)).toBe(true)
    } finally {
      await traffic.stop()
      await Promise.all([...followers.values()].map((f) => f.stop()))
      await cluster.restartNode(2)
    }
  })

  it("Redis stopped for 5 s under load: notify keeps answering 2xx, /readyz is 503, then every session catches up", async () => {
    const { users, followers } = await followAll("r", 6)
    // The load goes to node 0; the followers are spread over the nodes by nginx.
    const traffic = load(() => cluster.nodes[0]!, users)
    await eventually(() => [...traffic.acked.values()].flat().length >= 10, { timeout: 10_000 })
    await cluster.redis.stop()
    const during = [...traffic.acked.values()].flat().length
    for (const node of cluster.nodes) {
      await eventually(async () => {
        const ready = await request<{ error: { details: { bus: boolean; store: boolean } } }>(
          node.url,
          "GET",
          "/readyz"
        )
        return (
          ready.status === 503 && ready.body.error.details.bus === false && ready.body.error.details.store
        )
      })
    }
    await new Promise((r) => setTimeout(r, 5000))
    expect([...traffic.acked.values()].flat().length).toBeGreaterThan(during + 10) // still acknowledging
    await cluster.redis.start()
    const acked = await traffic.stop()
    const back = Date.now()
    for (const node of cluster.nodes) {
      await eventually(async () => (await request(node.url, "GET", "/readyz")).status === 200, {
        timeout: 10_000
      })
    }
    await expectComplete(followers, acked)
    expect(Date.now() - back).toBeLessThan(10_000)
    await Promise.all([...followers.values()].map((f) => f.stop()))
  })

  it("a wake-up that never comes is repaired from storage within 10 s", async () => {
    // A node on the same database but not on the bus: what it stores, nobody is told about.
    await using silent = await startServer({
      databaseUrl: cluster.databaseUrl,
      env: { PUSHBACK_NODE_ID: "silent" }
    })
    const { followers } = await followAll("q", 2)
    const stored = Date.now()
    for (const user of followers.keys()) {
      const res = await request(silent.url, "POST", "/v1/notify", {
        token: app.secret,
        body: { users: [user], content: "quiet" }
      })
      expect(res.status).toBe(202)
    }
    for (const follower of followers.values())
      await eventually(() => follower.seqs.length === 1, { timeout: 12_000 })
    expect(Date.now() - stored).toBeLessThan(10_000)
    await Promise.all([...followers.values()].map((f) => f.stop()))
  })
})
