/**
 * Push jobs are stored with the notify call (PROTOCOL.md §14, as §7): a server killed with
 * SIGKILL after the call's 2xx and before the push sends it, once, after it restarts.
 */
import { createApp, request } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { startPushingServer, SUBJECT, subscribeOk } from "./helpers.js"
import { startPushService } from "./pushService.js"

describe("kill -9 between the 2xx and the push", () => {
  it("pushes once after the restart", async () => {
    const service = await startPushService(SUBJECT)
    let server = await startPushingServer(service)
    try {
      const app = await createApp(server, "push-crash")
      const browser = service.subscription("survivor")
      await subscribeOk(server, app, "survivor", browser)
      // Due in 2 s: the process is killed well before the push.
      const res = await request<{ pushes: number }>(server.url, "POST", "/v1/notify", {
        token: app.secret,
        body: { users: ["survivor"], title: "Still here", content: "x", push: { send: true, after: 2 } }
      })
      expect(res.status, res.text).toBe(202)
      expect(res.body.pushes).toBe(1)
      await server.kill()
      expect(service.received).toHaveLength(0)
      server = await startPushingServer(service, { dataDir: server.dataDir })
      await service.waitFor(() => service.to("survivor").length === 1, 15_000)
      expect(service.to("survivor")[0]!.message["title"]).toBe("Still here")
      // Settled once: nothing more comes.
      await new Promise((r) => setTimeout(r, 800))
      expect(service.received).toHaveLength(1)
    } finally {
      await server.dispose()
      await service.stop()
    }
  })
})
