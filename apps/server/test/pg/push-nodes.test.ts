/**
 * Web Push on several nodes (PROTOCOL.md §6, §14): two nodes on one PostgreSQL database share
 * the VAPID key pair the first one generated, and jobs due at the same instant on both are each
 * claimed by one node (`FOR UPDATE SKIP LOCKED`): every browser gets exactly one push.
 */
import { createApp, request, type TestServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startPushingServer, SUBJECT, subscribeOk } from "../push/helpers.js"
import { type PushService, startPushService } from "../push/pushService.js"

let service: PushService
let a: TestServer
let b: TestServer

beforeAll(async () => {
  service = await startPushService(SUBJECT)
  a = await startPushingServer(service)
  // A second node on the same database (the data dir names the database).
  b = await startPushingServer(service, { dataDir: a.dataDir })
})
afterAll(async () => {
  await b?.kill()
  await a?.dispose()
  await service?.stop()
})

describe("two nodes pushing from one outbox", () => {
  it("share one key pair and push each of 30 messages due at once exactly once", async () => {
    const keyOf = async (s: TestServer) =>
      (await request<{ publicKey: string }>(s.url, "GET", "/v1/push/key")).body.publicKey
    expect(await keyOf(a)).toBe(await keyOf(b))
    const app = await createApp(a, "push-nodes")
    const users = Array.from({ length: 30 }, (_, i) => `p${i}`)
    for (const user of users)
      await subscribeOk(user.length % 2 ? a : b, app, user, service.subscription(user))
    const body = (some: Array<string>) => ({ users: some, content: "both", push: { force: true, after: 1 } })
    const calls = await Promise.all([
      request<{ pushes: number }>(a.url, "POST", "/v1/notify", {
        token: app.secret,
        body: body(users.slice(0, 15))
      }),
      request<{ pushes: number }>(b.url, "POST", "/v1/notify", {
        token: app.secret,
        body: body(users.slice(15))
      })
    ])
    expect(calls.map((c) => c.body.pushes)).toEqual([15, 15])
    await service.waitFor(() => new Set(service.received.map((r) => r.subscription)).size === 30, 20_000)
    await new Promise((r) => setTimeout(r, 500))
    expect(service.received).toHaveLength(30)
  })
})
