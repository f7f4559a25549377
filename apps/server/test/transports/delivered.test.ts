/**
 * `deliveredAt` and the `delivered` count (PROTOCOL.md §8), on every transport: a
 * notification counts as delivered when it is first written to any session of its user,
 * live or replayed on resume (issue 17: resumed deliveries used to be missed), and counts
 * once however often it is written again (another tab, another resume).
 */
import { eventually, request, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import type { NotificationList } from "../http/helpers.js"
import { transports } from "./clients.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp()
})

const delivered = async (): Promise<number> => {
  const res = await request<{ delivered: number }>(server.url, "GET", "/v1/stats", { token: app.secret })
  return res.body.delivered
}

/** Waits until the stats count `n` deliveries, then checks they say exactly `n`. */
const expectDelivered = async (n: number) => {
  await eventually(async () => (await delivered()) >= n)
  expect(await delivered()).toBe(n)
}

const deliveredAtOf = async (token: string): Promise<Record<string, string | null | undefined>> => {
  const res = await request<NotificationList>(server.url, "GET", "/v1/me/notifications", { token })
  return Object.fromEntries(res.body.results.map((n) => [n.id, n.deliveredAt]))
}

describe.each(transports)("$name", (adapter) => {
  it("counts a delivery on resume once, and a live one to two sessions once", async () => {
    const before = await delivered()
    const user = `offline-${adapter.name}`
    const token = await server.userToken(app, user, { register: true })
    const first = await server.notify(app, { users: [user], content: "while away 1" })
    await server.notify(app, { users: [user], content: "while away 2" })
    expect(first.online).toBe(0)
    expect(Object.values(await deliveredAtOf(token))).toEqual([null, null])

    const a = await adapter.connect(server, token, 0)
    try {
      await a.collect(2, (f) => f.type === "notification")
      await expectDelivered(before + 2)
      const stamped = await deliveredAtOf(token)
      for (const at of Object.values(stamped)) {
        expect(at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
        expect(Math.abs(Date.parse(at!) - Date.now())).toBeLessThan(60_000)
      }

      // Replayed again to a second session, then one live entry to both: only the live one is new.
      const b = await adapter.connect(server, token, 0)
      try {
        await b.collect(2, (f) => f.type === "notification")
        await server.notify(app, { users: [user], content: "live" })
        await a.collect(3, (f) => f.type === "notification")
        await b.collect(3, (f) => f.type === "notification")
        await expectDelivered(before + 3)
        const now = await deliveredAtOf(token)
        for (const [id, at] of Object.entries(stamped)) expect(now[id], "deliveredAt is set once").toBe(at)
      } finally {
        await b.close()
      }
    } finally {
      await a.close()
    }
  })
})
