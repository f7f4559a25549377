/**
 * A node that dies takes its sessions out of the cluster's presence within 30 s (PROTOCOL.md
 * §6): its keys in Redis live 30 s past its last heartbeat. Its users then get `user.offline`
 * (§15) from the node still alive, whose sweep finds them announced online yet held by no node.
 * Its own file, because the wait is long and idle: Vitest runs it beside the other suites.
 */
import {
  connectWs,
  createApp,
  eventually,
  request,
  type TestApp,
  useCluster,
  userToken
} from "@pushback/testkit"
import { afterAll, beforeAll, expect, it } from "vitest"
import { createHook, QUICK_WEBHOOKS } from "../webhooks/helpers.js"
import { type Receiver, startReceiver } from "../webhooks/receiver.js"

const cluster = useCluster({
  nodes: 2,
  node: { config: { webhooks: { ...QUICK_WEBHOOKS, presenceSweepMs: 500 } } }
})
let app: TestApp
let receiver: Receiver

beforeAll(async () => {
  receiver = await startReceiver()
  app = await createApp(cluster.nodes[0]!, "expiry")
})
afterAll(async () => {
  expect(receiver.rejected).toEqual([])
  await receiver.close()
})

it("the sessions of a node killed with SIGKILL stop counting within 30 s", async () => {
  const [alive, doomed] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]]
  const api = {
    request: <T>(method: string, path: string, options: { token?: string; body?: unknown } = {}) =>
      request<T>(alive.url, method, path, options)
  }
  await createHook(api, app, receiver, "/presence", { events: ["user.online", "user.offline"] })
  const ws = await connectWs(
    `${doomed.wsUrl}/v1/ws?token=${await userToken(alive, app, "ghost", { register: true })}`
  )
  await ws.next((f) => f.type === "welcome")
  const sessions = async () =>
    (
      await request<{ sessions: number; online: boolean }>(alive.url, "GET", "/v1/users/ghost", {
        token: app.secret
      })
    ).body
  await eventually(async () => (await sessions()).sessions === 1)
  await receiver.waitFor("/presence", (ds) => ds.length === 1)
  await doomed.kill()
  const killed = Date.now()
  // Still counted for a while (nothing told the others), then gone.
  expect((await sessions()).online).toBe(true)
  await eventually(async () => (await sessions()).sessions === 0, { timeout: 40_000 })
  expect(Date.now() - killed).toBeLessThan(30_000)
  expect((await sessions()).online).toBe(false)
  // The dead node never said so: the live node's sweep announces it, once. (Its user.online
  // may come twice, with one webhook-id: sent just before the kill, not yet recorded as sent,
  // so the live node sends it again once the dead node's lease ends — at least once, §15.)
  const distinct = () => [...new Map(receiver.to("/presence").map((d) => [d.id, d])).values()]
  await eventually(() => distinct().length === 2, { timeout: 15_000, what: "user.offline" })
  expect(distinct().map((d) => d.body.type)).toEqual(["user.online", "user.offline"])
  expect(distinct()[1]!.body.data).toEqual({ app: app.id, user: "ghost" })
  await new Promise((r) => setTimeout(r, 1500))
  expect(distinct()).toHaveLength(2)
}, 75_000)
