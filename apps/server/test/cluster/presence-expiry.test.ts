/**
 * A node that dies takes its sessions out of the cluster's presence within 30 s (PROTOCOL.md
 * §6): its keys in Redis live 30 s past its last heartbeat. Its own file, because the wait is
 * long and idle: Vitest runs it beside the other suites.
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
import { beforeAll, expect, it } from "vitest"

const cluster = useCluster({ nodes: 2 })
let app: TestApp

beforeAll(async () => {
  app = await createApp(cluster.nodes[0]!, "expiry")
})

it("the sessions of a node killed with SIGKILL stop counting within 30 s", async () => {
  const [alive, doomed] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]]
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
  await doomed.kill()
  const killed = Date.now()
  // Still counted for a while (nothing told the others), then gone.
  expect((await sessions()).online).toBe(true)
  await eventually(async () => (await sessions()).sessions === 0, { timeout: 40_000 })
  expect(Date.now() - killed).toBeLessThan(30_000)
  expect((await sessions()).online).toBe(false)
}, 60_000)
