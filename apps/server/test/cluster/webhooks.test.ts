/**
 * Webhooks on two nodes (PROTOCOL.md §6, §15): both nodes run the webhook sender on one
 * PostgreSQL, yet every event reaches the receiver once (verified with `standardwebhooks`), one
 * user's events in order; `user.online`/`user.offline` are cluster-wide (Presence through Redis),
 * so hopping from one node to the other within the debounce sends nothing, and of the two nodes
 * that look at the user's state one announces it.
 */
import { connectWs, createApp, request, type TestApp, useCluster, userToken } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createHook, QUICK_WEBHOOKS } from "../webhooks/helpers.js"
import { type Receiver, startReceiver } from "../webhooks/receiver.js"

const cluster = useCluster({ nodes: 2, node: { config: { webhooks: QUICK_WEBHOOKS } } })
let receiver: Receiver
let app: TestApp

beforeAll(async () => {
  receiver = await startReceiver()
  app = await createApp(cluster.nodes[0]!, "webhooks")
})
afterAll(async () => {
  expect(receiver.rejected).toEqual([])
  await receiver.close()
})

/** Requests through node `i`. */
const node = (i: number) => ({
  request: <T>(method: string, path: string, options: { token?: string; body?: unknown } = {}) =>
    request<T>(cluster.nodes[i % 2]!.url, method, path, options)
})

describe("webhooks on two nodes", () => {
  it("sends each event once, one user's in order, whichever node caused it", async () => {
    await createHook(node(0), app, receiver, "/two", { events: ["notification.read"] })
    const token = await userToken(cluster.nodes[0]!, app, "fay", { register: true })
    for (let i = 0; i < 8; i++) {
      const res = await node(i).request("POST", "/v1/notify", {
        token: app.secret,
        body: { users: ["fay"], content: i }
      })
      expect(res.status).toBe(202)
    }
    const list = await node(0).request<{ results: Array<{ id: string }> }>("GET", "/v1/me/notifications", {
      token
    })
    const ids = list.body.results.map((n) => n.id).reverse()
    for (const [i, id] of ids.entries()) {
      const res = await node(i).request("PATCH", "/v1/me/notifications", {
        token,
        body: { ids: [id], read: true }
      })
      expect(res.status).toBe(200)
    }
    const ds = await receiver.waitFor("/two", (all) => all.length >= 8)
    await new Promise((r) => setTimeout(r, 1000))
    expect(receiver.to("/two")).toHaveLength(8)
    expect(ds.map((d) => d.body.data["notification"])).toEqual(ids)
  })

  it("announces online and offline once for the cluster; a hop between nodes sends nothing", async () => {
    await createHook(node(0), app, receiver, "/presence", { events: ["user.online", "user.offline"] })
    const token = await userToken(cluster.nodes[0]!, app, "gil", { register: true })
    const open = async (i: number) => {
      const ws = await connectWs(`${cluster.nodes[i]!.wsUrl}/v1/ws?token=${token}`)
      await ws.next((f) => f.type === "welcome")
      return ws
    }
    const first = await open(0)
    await receiver.waitFor("/presence", (ds) => ds.length === 1)
    first.close()
    const second = await open(1)
    await new Promise((r) => setTimeout(r, QUICK_WEBHOOKS.presenceDebounceMs * 3))
    expect(receiver.to("/presence")).toHaveLength(1)
    second.close()
    const ds = await receiver.waitFor("/presence", (all) => all.length === 2)
    await new Promise((r) => setTimeout(r, QUICK_WEBHOOKS.presenceDebounceMs * 2))
    expect(receiver.to("/presence").map((d) => d.body.type)).toEqual(["user.online", "user.offline"])
    expect(ds[0]!.body.data).toEqual({ app: app.id, user: "gil" })
  })
})
