/**
 * Web Push through a loopback push service (PROTOCOL.md §14), on one server: who gets a push
 * (offline with `send`, everyone with `force`, still-unseen after `after`, never with the type's
 * `push: false`, skipped without a subscription), what it carries (decrypted: the message with
 * its markToken, `TTL`, `Urgency`, `Topic` = the notification id; a 10 KB content shortened,
 * still decryptable), what the markToken does, and how answers are handled: 410 and 404 delete
 * the subscription, 413 and another 4xx fail for good, 429 waits for `Retry-After`, a 5xx and a
 * service that is down are retried.
 */
import type { NotifyCall } from "@pushback/protocol"
import { eventually, request, userToken } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { goOnline } from "../email/helpers.js"
import { pushSuite, subscribeOk, subscriptionsOf } from "./helpers.js"

const suite = pushSuite("push-send")

const notify = async (body: Record<string, unknown>) => {
  const res = await request<{ id: string; recipients: number; pushes: number }>(
    suite.server.url,
    "POST",
    "/v1/notify",
    { token: suite.app.secret, body }
  )
  expect(res.status, res.text).toBe(202)
  return res.body
}

const callOf = async (id: string) =>
  (await request<NotifyCall>(suite.server.url, "GET", `/v1/notify/${id}`, { token: suite.app.secret })).body

/** The call once `done` holds for it. */
const callWhen = async (id: string, done: (call: NotifyCall) => boolean) => {
  let call = await callOf(id)
  const check = async () => {
    call = await callOf(id)
    return done(call)
  }
  await eventually(check, { what: `call ${id}`, timeout: 10_000 })
  return call
}

/** A user with one browser subscribed; answers the browser's name. */
const withBrowser = async (user: string) => {
  const sub = suite.service.subscription(`${user}-browser`)
  await subscribeOk(suite.server, suite.app, user, sub)
  return sub.name
}

describe("who gets a push", () => {
  it("an offline recipient, with the message, its headers and the call's counts", async () => {
    const { service } = suite
    const browser = await withBrowser("olga")
    const call = await notify({
      users: ["olga", "nobrowser"],
      title: "Hello",
      content: { n: 1 },
      url: "https://app.example.com/x",
      data: { k: "v" },
      push: { send: true, urgency: "high", ttlSeconds: 600 }
    })
    expect(call.pushes).toBe(1)
    await service.waitFor(() => service.to(browser).length === 1)
    const [push] = service.to(browser)
    const detail = await callWhen(call.id, (c) => c.push.sent === 1)
    const olga = detail.results.find((r) => r.user === "olga")!
    expect(push!.message).toEqual({
      id: olga.notification,
      title: "Hello",
      body: '{"n":1}',
      url: "https://app.example.com/x",
      icon: null,
      image: null,
      tag: olga.notification,
      data: { k: "v" },
      markToken: expect.any(String)
    })
    expect(push!.headers["ttl"]).toBe("600")
    expect(push!.headers["urgency"]).toBe("high")
    expect(push!.headers["topic"]).toBe(olga.notification)
    expect(detail.push).toEqual({ queued: 0, sent: 1, failed: 0, skipped: 1 })
    expect(olga.push).toBe("sent")
    expect(detail.results.find((r) => r.user === "nobrowser")!.push).toBe("none")
  })

  it("not an online one with send; everyone with force; none with the type's push preference off", async () => {
    const { service, server, app } = suite
    const browser = await withBrowser("omar")
    const ws = await goOnline(server, app, "omar")
    try {
      expect((await notify({ users: ["omar"], content: "live", push: { send: true } })).pushes).toBe(0)
      expect((await notify({ users: ["omar"], content: "forced", push: { force: true } })).pushes).toBe(1)
      await service.waitFor(() => service.to(browser).length === 1)
      expect(service.to(browser)[0]!.message["body"]).toBe("forced")
    } finally {
      ws.close()
    }
    await request(server.url, "PUT", "/v1/event-types/promo", { token: app.secret, body: { title: "Promo" } })
    const token = await userToken(server, app, "omar")
    const prefs = await request(server.url, "PUT", "/v1/me/preferences", {
      token,
      body: { types: { promo: { push: false } } }
    })
    expect(prefs.body).toMatchObject({ types: { promo: { inApp: true, email: true, push: false } } })
    const off = await notify({ users: ["omar"], type: "promo", content: "no", push: { force: true } })
    expect(off.pushes).toBe(0)
  })

  it("with after: only who has not seen it by then", async () => {
    const { service, server, app } = suite
    const seer = await withBrowser("sam")
    const sleeper = await withBrowser("sol")
    const call = await notify({ users: ["sam", "sol"], content: "later", push: { send: true, after: 1 } })
    expect(call.pushes).toBe(2)
    const token = await userToken(server, app, "sam")
    const mine = await request<{ results: Array<{ id: string }> }>(
      server.url,
      "GET",
      "/v1/me/notifications",
      {
        token
      }
    )
    await request(server.url, "PATCH", `/v1/me/notifications/${mine.body.results[0]!.id}`, {
      token,
      body: { seen: true }
    })
    await service.waitFor(() => service.to(sleeper).length === 1)
    const detail = await callWhen(call.id, (c) => c.push.queued === 0)
    expect(service.to(seer)).toHaveLength(0)
    expect(detail.push).toMatchObject({ sent: 1, queued: 0 })
  })
})

describe("the push block", () => {
  it("is refused with 400 naming a field it does not know or a bad value, and nothing is stored", async () => {
    const { server, app } = suite
    const before = await request<{ count: number }>(server.url, "GET", `/v1/apps/${app.id}/calls`, {
      token: server.adminToken
    })
    for (const push of [
      { sned: true },
      { send: true, urgency: "urgent" },
      { send: true, ttlSeconds: -1 },
      { after: 604_801 }
    ]) {
      const res = await request(server.url, "POST", "/v1/notify", {
        token: app.secret,
        body: { users: ["olga"], content: "x", push }
      })
      expect(res.status, JSON.stringify(push)).toBe(400)
      expect(res.text, JSON.stringify(push)).toContain("push.")
    }
    const after = await request<{ count: number }>(server.url, "GET", `/v1/apps/${app.id}/calls`, {
      token: server.adminToken
    })
    expect(after.body.count).toBe(before.body.count)
  })
})

describe("the message", () => {
  it("a 10 KB content is shortened to fit 3,800 bytes, still decryptable, and its markToken marks it read", async () => {
    const { service, server, app } = suite
    const browser = await withBrowser("long")
    const content = "é".repeat(5000) + "the end"
    await notify({ users: ["long"], title: "Long", content, push: { send: true } })
    await service.waitFor(() => service.to(browser).length === 1)
    const push = service.to(browser)[0]!
    expect(push.bytes).toBeLessThanOrEqual(3800)
    expect(push.bytes).toBeGreaterThan(3000)
    const body = push.message["body"] as string
    expect(body.endsWith("…")).toBe(true)
    expect(content.startsWith(body.slice(0, -1))).toBe(true)
    const markToken = push.message["markToken"] as string
    const ws = await goOnline(server, app, "long")
    try {
      const tampered = `${markToken.slice(0, -2)}xx`
      expect(
        (await request(server.url, "POST", "/v1/push/read", { body: { markToken: tampered } })).status
      ).toBe(401)
      const read = await request(server.url, "POST", "/v1/push/read", { body: { markToken } })
      expect(read.status, read.text).toBe(204)
      const frame = await ws.next((f) => f.type === "read")
      expect(frame).toMatchObject({ type: "read", ids: [push.message["id"]] })
    } finally {
      ws.close()
    }
    const token = await userToken(server, app, "long")
    const n = await request<{ readAt: string | null }>(
      server.url,
      "GET",
      `/v1/me/notifications/${push.message["id"]}`,
      {
        token
      }
    )
    expect(n.body.readAt).not.toBeNull()
  })
})

describe("the push service's answers", () => {
  it("410 and 404 delete the subscription and fail the push for good; 413 and another 4xx fail it and keep the subscription", async () => {
    const { service, server, app } = suite
    const big = await withBrowser("big")
    const forbidden = await withBrowser("forbidden")
    service.script(big, { status: 413 })
    service.script(forbidden, { status: 403 })
    const refused = await notify({ users: ["big", "forbidden"], content: "x", push: { send: true } })
    const kept = await callWhen(refused.id, (c) => c.push.failed === 2)
    expect(kept.results.map((r) => r.pushError)).toEqual([
      expect.stringMatching(/^413/),
      expect.stringMatching(/^403/)
    ])
    for (const [user, browser] of [
      ["big", big],
      ["forbidden", forbidden]
    ] as const) {
      expect(service.attempts.filter((a) => a.subscription === browser)).toHaveLength(1)
      expect(await subscriptionsOf(server, app, user)).toHaveLength(1)
    }
    service.script(await withBrowser("gone"), { status: 410 })
    service.script(await withBrowser("lost"), { status: 404 })
    const call = await notify({ users: ["gone", "lost"], content: "x", push: { send: true } })
    const detail = await callWhen(call.id, (c) => c.push.failed === 2)
    expect(detail.results.map((r) => r.push)).toEqual(["failed", "failed"])
    expect(detail.results.map((r) => r.pushError)).toEqual([
      expect.stringMatching(/410.*deleted/),
      expect.stringMatching(/404.*deleted/)
    ])
    expect(await subscriptionsOf(server, app, "gone")).toEqual([])
    expect(await subscriptionsOf(server, app, "lost")).toEqual([])
    // Counted: in the app's statistics (this file's pushes so far) and in /metrics.
    const series = await request<{ points: Array<{ pushes: number; pushesFailed: number }> }>(
      server.url,
      "GET",
      "/v1/stats/series?interval=day",
      { token: app.secret }
    )
    const today = series.body.points.at(-1)!
    expect(today.pushes).toBeGreaterThanOrEqual(4)
    expect(today.pushesFailed).toBe(4)
    const metrics = await request(server.url, "GET", "/metrics")
    expect(metrics.text).toMatch(/pushback_pushes_sent_total [1-9]/)
    expect(metrics.text).toMatch(/pushback_pushes_failed_total 4/)
  })

  it("429 waits for Retry-After, a 5xx is retried, and a service that was down gets it once up", async () => {
    const { service } = suite
    const slow = await withBrowser("slow")
    const flaky = await withBrowser("flaky")
    service.script(slow, { status: 429, headers: { "retry-after": "1" } })
    service.script(flaky, { status: 503 }, { status: 500 })
    await notify({ users: ["slow", "flaky"], content: "retry", push: { send: true } })
    await service.waitFor(() => service.to(slow).length === 1 && service.to(flaky).length === 1)
    const tries = service.attempts.filter((a) => a.subscription === slow)
    expect(tries.map((a) => a.status)).toEqual([429, 201])
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(950)
    expect(service.attempts.filter((a) => a.subscription === flaky).map((a) => a.status)).toEqual([
      503, 500, 201
    ])

    const later = await withBrowser("later")
    await service.down()
    await notify({ users: ["later"], content: "while down", push: { send: true } })
    await new Promise((r) => setTimeout(r, 700))
    await service.up()
    await service.waitFor(() => service.to(later).length === 1)
    expect(service.to(later)[0]!.message["body"]).toBe("while down")
  })
})
