/**
 * Three nodes on one PostgreSQL and one Redis, behind nginx round-robin (PROTOCOL.md §6):
 * a notify through any node reaches every node's sessions on all three transports, polls
 * that land on different nodes see every entry once and in order, presence counts across
 * nodes, deletes close sessions everywhere (also from the CLI), idempotency keys and seqs
 * hold when nodes race.
 */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import type { NotificationFrame } from "@pushback/protocol/types"
import {
  CLI_PATH,
  connectWs,
  createApp,
  eventually,
  isEntry,
  notify,
  registerUsers,
  request,
  seqsOf,
  type TestApp,
  type TestServer,
  useCluster,
  userToken
} from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { transport } from "../transports/clients.js"
import { liveSessions } from "../transports/helpers.js"

const run = promisify(execFile)

const cluster = useCluster({ nginx: true })
let app: TestApp

beforeAll(async () => {
  app = await createApp(cluster.lb, "cluster")
})

/** A live WebSocket session of a user of `of` on each node, past its welcome. */
const oneSessionPerNode = async (of: TestApp) => {
  const sockets = []
  for (const [i, node] of cluster.nodes.entries()) {
    const ws = await connectWs(
      `${node.wsUrl}/v1/ws?token=${await userToken(node, of, `on-node-${i}`, { register: true })}`
    )
    await ws.next((f) => f.type === "welcome")
    sockets.push(ws)
  }
  return sockets
}

describe("three nodes behind nginx", () => {
  it("a notify through any node reaches the user's sessions on every node, on all three transports", async () => {
    const [a, b, c] = cluster.nodes as [TestServer, TestServer, TestServer]
    const token = await userToken(cluster.lb, app, "everywhere", { register: true })
    const ws = await transport("ws").connect(a, token, 0)
    const sse = await transport("sse").connect(b, token, 0)
    const poll = await transport("poll").connect(c, token, 0)
    // Presence is cluster-wide: any node counts the three sessions.
    for (const node of cluster.nodes) {
      await eventually(async () => (await liveSessions(node, app, "everywhere")) === 3)
    }
    const answers = []
    for (const node of cluster.nodes)
      answers.push(await notify(node, app, { users: ["everywhere"], content: node.url }))
    expect(answers.map((r) => r.online)).toEqual([1, 1, 1])
    for (const client of [ws, sse, poll]) {
      const frames = await client.collect(3, isEntry, 10_000)
      expect(seqsOf(frames)).toEqual([1, 2, 3])
      expect(frames.map((f) => (f as NotificationFrame).notification.content)).toEqual(
        cluster.nodes.map((n) => n.url)
      )
    }
    await Promise.all([ws.close(), sse.close(), poll.close()])
  })

  it("long-polling through round-robin (each poll on another node) sees every entry once, in order", async () => {
    const token = await userToken(cluster.lb, app, "poller", { register: true })
    const poll = await transport("poll").connect(cluster.lb, token, 0)
    const n = 30
    for (let i = 0; i < n; i++) await notify(cluster.lb, app, { users: ["poller"], content: i })
    const frames = await poll.collect(n, isEntry, 20_000)
    expect(seqsOf(frames)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    expect(frames.map((f) => (f as NotificationFrame).notification.content)).toEqual(
      Array.from({ length: n }, (_, i) => i)
    )
    await poll.close()
    expect(seqsOf(poll.frames)).toHaveLength(n) // nothing twice after the wait either
  })

  it("online users and connections in /v1/stats count every node", async () => {
    const other = await createApp(cluster.lb, "stats")
    const clients = []
    for (const [i, node] of cluster.nodes.entries()) {
      clients.push(
        await connectWs(
          `${node.wsUrl}/v1/ws?token=${await userToken(node, other, `s${i}`, { register: true })}`
        )
      )
    }
    const stats = async (node: (typeof cluster.nodes)[number]) =>
      (
        await request<{ onlineUsers: number; connections: number }>(node.url, "GET", "/v1/stats", {
          token: other.secret
        })
      ).body
    for (const node of cluster.nodes) {
      await eventually(async () => {
        const s = await stats(node)
        return s.onlineUsers === 3 && s.connections === 3
      })
    }
    await Promise.all(clients.map((c) => c.close()))
    await eventually(async () => (await stats(cluster.nodes[0]!)).connections === 0)
  })

  it("deleting a user through node A closes their session on node C within 2 s (4001)", async () => {
    const [a, , c] = cluster.nodes
    const ws = await connectWs(
      `${c!.wsUrl}/v1/ws?token=${await userToken(c!, app, "doomed", { register: true })}`
    )
    await ws.next((f) => f.type === "welcome")
    const started = Date.now()
    expect((await request(a!.url, "DELETE", "/v1/users/doomed", { token: app.secret })).status).toBe(204)
    const closed = await ws.closed
    expect(closed.code).toBe(4001)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it("rotating an app's secret through node B closes its sessions on nodes A and C (4001)", async () => {
    const rotated = await createApp(cluster.lb, "rotated")
    const sockets = await oneSessionPerNode(rotated)
    const res = await request(cluster.nodes[1]!.url, "POST", `/v1/apps/${rotated.id}/secret`, {
      token: cluster.lb.adminToken
    })
    expect(res.status).toBe(200)
    const started = Date.now()
    for (const ws of sockets) expect(await ws.closed).toEqual({ code: 4001, reason: "app secret rotated" })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it("a rotated secret is refused on every node at once, and the new one taken (nodes keep apps 1 s; NOTIFY empties it)", async () => {
    const rotated = await createApp(cluster.lb, "rotated-rest")
    const users = (node: TestServer, secret: string) =>
      request(node.url, "GET", "/v1/users?limit=1", { token: secret }).then((r) => r.status)
    // Every node has just read (and keeps) the app with its first secret.
    for (const node of cluster.nodes) expect(await users(node, rotated.secret)).toBe(200)
    const res = await request<{ secret: string }>(
      cluster.nodes[0]!.url,
      "POST",
      `/v1/apps/${rotated.id}/secret`,
      {
        token: cluster.lb.adminToken
      }
    )
    expect(res.status).toBe(200)
    const started = Date.now()
    // The node that rotated forgot it before answering; the others on the NOTIFY, well before
    // the second they would keep it without one.
    expect(await users(cluster.nodes[0]!, rotated.secret)).toBe(401)
    for (const node of cluster.nodes) {
      while ((await users(node, rotated.secret)) !== 401) await new Promise((r) => setTimeout(r, 10))
      expect(await users(node, res.body.secret)).toBe(200)
    }
    expect(Date.now() - started).toBeLessThan(800)
  })

  it("an event type declared through one node is checked on every node at once (nodes keep types 1 s; NOTIFY empties it)", async () => {
    const typed = await createApp(cluster.lb, "typed")
    const put = (name: string) =>
      request(cluster.nodes[0]!.url, "PUT", `/v1/event-types/${name}`, {
        token: typed.secret,
        body: { title: name }
      })
    const notifyAs = (node: TestServer, type: string) =>
      request(node.url, "POST", "/v1/notify", {
        token: typed.secret,
        body: { users: ["t"], type, content: "x" }
      }).then((r) => r.status)
    expect((await put("first")).status).toBe(200)
    // Every node has just read (and keeps) the app's one type: a second one is unknown there.
    for (const node of cluster.nodes) {
      expect(await notifyAs(node, "first")).toBe(202)
      expect(await notifyAs(node, "second")).toBe(400)
    }
    expect((await put("second")).status).toBe(200)
    const started = Date.now()
    expect(await notifyAs(cluster.nodes[0]!, "second")).toBe(202)
    for (const node of cluster.nodes) {
      while ((await notifyAs(node, "second")) !== 202) await new Promise((r) => setTimeout(r, 10))
    }
    expect(Date.now() - started).toBeLessThan(800)
  })

  it("`pushback apps delete` from the CLI closes the app's sessions on every node within 2 s", async () => {
    const doomed = await createApp(cluster.lb, "cli-deleted")
    const sockets = await oneSessionPerNode(doomed)
    await run(process.execPath, [CLI_PATH, "apps", "delete", doomed.id, "--db", cluster.databaseUrl])
    const deleted = Date.now()
    for (const ws of sockets) expect((await ws.closed).code).toBe(4001)
    expect(Date.now() - deleted).toBeLessThan(2000)
  })

  it("the same idempotency key sent to two nodes at once stores one notification set", async () => {
    await registerUsers(cluster.lb, app, ["once"])
    const body = { users: ["once"], content: "only one", idempotencyKey: "race-1" }
    const answers = await Promise.all(cluster.nodes.slice(0, 2).map((node) => notify(node, app, body)))
    expect(answers[0]!.id).toBe(answers[1]!.id)
    const list = await request<{ count: number }>(cluster.lb.url, "GET", "/v1/users/once/notifications", {
      token: app.secret
    })
    expect(list.body.count).toBe(1)
  })

  it("200 concurrent calls to overlapping audiences across nodes: no deadlock, every seq contiguous", async () => {
    const users = Array.from({ length: 8 }, (_, i) => `overlap${i}`)
    const expected = new Map(users.map((u) => [u, 0]))
    const calls = Array.from({ length: 200 }, (_, i) => {
      // Each call names 3 users, in an order that differs from call to call.
      const audience = [users[i % 8]!, users[(i * 3 + 1) % 8]!, users[(i * 5 + 2) % 8]!].filter(
        (u, k, all) => all.indexOf(u) === k
      )
      for (const u of audience) expected.set(u, expected.get(u)! + 1)
      return { node: cluster.nodes[i % 3]!, audience: i % 2 === 0 ? audience : [...audience].reverse() }
    })
    const answers = await Promise.all(
      calls.map((c) => notify(c.node, app, { users: c.audience, content: "x" }))
    )
    expect(answers).toHaveLength(200)
    for (const user of users) {
      const ws = await connectWs(
        `${cluster.lb.wsUrl}/v1/ws?token=${await userToken(cluster.lb, app, user, { register: true })}&cursor=0`
      )
      const frames = await ws.collect(expected.get(user)!, (f) => f.type === "notification", 10_000)
      expect(frames.map((f) => f.seq)).toEqual(Array.from({ length: expected.get(user)! }, (_, k) => k + 1))
      await ws.close()
    }
  })

  it("a notify to a topic through node A reaches its subscribers' sessions on every node, naming the topic", async () => {
    const topical = await createApp(cluster.lb, "cluster-topics")
    const sockets = await oneSessionPerNode(topical)
    try {
      const [a] = cluster.nodes as [TestServer]
      const put = await request(a.url, "PUT", "/v1/topics/room", { token: topical.secret })
      expect(put.status, put.text).toBe(201)
      const users = cluster.nodes.map((_, i) => `on-node-${i}`)
      const added = await request(a.url, "POST", "/v1/topics/room/subscribers", {
        token: topical.secret,
        body: { users }
      })
      expect(added.body).toEqual({ added: 3 })
      const sent = await notify(a, topical, {
        topics: ["room"],
        exclude: ["on-node-0"],
        content: "to the room"
      })
      expect(sent.recipients).toBe(2)
      for (const ws of sockets.slice(1)) {
        const frame = (await ws.next((f) => f.type === "notification")) as NotificationFrame
        expect(frame.notification).toMatchObject({ content: "to the room", topic: "room" })
      }
    } finally {
      for (const ws of sockets) await ws.close()
    }
  })
})
