/**
 * POST /v1/notify (PROTOCOL.md §3.2): recipients, broadcast, registration on the fly,
 * idempotency, declared types, the `online` count, the rate limit and the users limit.
 */
import { connectWs, localToken, request, type TestApp, useServers } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import {
  expectBadField,
  expectError,
  expectOk,
  expectTimestamp,
  inbox,
  NOTIFICATION_KEYS,
  type NotificationList,
  stats
} from "./helpers.js"

const [server, limited] = useServers({}, { config: { limits: { notifyPerSecond: 5, usersPerNotify: 3 } } })

const backendList = async (app: TestApp, user: string, s = server) =>
  expectOk(
    await request<NotificationList>(s.url, "GET", `/v1/users/${encodeURIComponent(user)}/notifications`, {
      token: app.secret
    })
  )

describe("POST /v1/notify: recipients", () => {
  it("202 {id, recipients, online, emails}; the named user's inbox holds the full Notification", async () => {
    const app = await server.newApp("notify-basic")
    await server.registerUsers(app, ["u1", "u2"])
    const res = await request<{ id: string; recipients: number; online: number }>(
      server.url,
      "POST",
      "/v1/notify",
      { token: app.secret, body: { users: ["u1"], content: "hello" } }
    )
    const answer = expectOk(res, 202)
    expect(Object.keys(answer).sort()).toEqual(["emails", "id", "online", "pushes", "recipients"])
    expect(typeof answer.id).toBe("string")
    expect(answer.id.length).toBeGreaterThan(0)
    expect(answer.recipients).toBe(1)
    expect(answer.online).toBe(0)

    // durably stored once 2xx: visible at once
    const list = await inbox(server.url, localToken(app, "u1"))
    expect(list.count).toBe(1)
    const n = list.results[0]!
    expect(Object.keys(n).sort()).toEqual(NOTIFICATION_KEYS)
    expect(n).toMatchObject({
      user: "u1",
      type: null,
      title: null,
      content: "hello",
      url: null,
      icon: null,
      image: null,
      data: null,
      seenAt: null,
      readAt: null
    })
    expectTimestamp(n.createdAt)
    expect((await inbox(server.url, localToken(app, "u2"))).count).toBe(0)
  })

  it("carries every optional field and any JSON content unchanged", async () => {
    const app = await server.newApp("notify-fields")
    const content = { text: "Bob liked your post", nested: { list: [1, 2.5, "x", null, true], empty: {} } }
    const data = { postId: 42, tags: ["a", "b"], unicode: "ünï 😀" }
    await server.notify(app, {
      users: ["u1"],
      type: "post_like",
      title: "New like",
      content,
      url: "https://example.com/p/42",
      icon: "https://example.com/i.png",
      image: "https://example.com/big.jpg",
      data
    })
    const n = (await inbox(server.url, localToken(app, "u1"))).results[0]!
    expect(n).toMatchObject({
      user: "u1",
      type: "post_like",
      title: "New like",
      content,
      url: "https://example.com/p/42",
      icon: "https://example.com/i.png",
      image: "https://example.com/big.jpg",
      data
    })
    for (const value of [42, ["a", 1], false, ""]) {
      await server.notify(app, { users: ["u2"], content: value })
    }
    const contents = (await inbox(server.url, localToken(app, "u2"))).results.map((x) => x.content)
    expect(contents).toEqual(["", false, ["a", 1], 42])
  })

  it("one notify to many users creates one notification per user", async () => {
    const app = await server.newApp("notify-many")
    const answer = await server.notify(app, { users: ["a", "b", "c"], content: "all three" })
    expect(answer.recipients).toBe(3)
    const ids = new Set<string>()
    for (const u of ["a", "b", "c"]) {
      const list = await backendList(app, u)
      expect(list.count).toBe(1)
      expect(list.results[0]!.user).toBe(u)
      ids.add(list.results[0]!.id)
    }
    expect(ids.size).toBe(3)
    expect((await stats(server.url, app))["notifications"]).toBe(3)
  })

  it("broadcasts to every registered user of the app when `users` is omitted", async () => {
    const app = await server.newApp("notify-broadcast")
    const other = await server.newApp("notify-broadcast-other")
    await server.registerUsers(app, ["b1", "b2", "b3", "b4"])
    await server.registerUsers(other, ["b1", "x9"])
    const answer = await server.notify(app, { content: "everyone" })
    expect(answer.recipients).toBe(4)
    for (const u of ["b1", "b2", "b3", "b4"]) {
      const list = await backendList(app, u)
      expect(list.results.map((n) => n.content)).toEqual(["everyone"])
    }
    expect((await backendList(other, "b1")).count).toBe(0)
    expect((await backendList(other, "x9")).count).toBe(0)
  })

  it("registers users it does not know yet, with the email given", async () => {
    const app = await server.newApp("notify-registers")
    await server.registerUsers(app, [{ id: "known", email: "known@example.com" }])
    const answer = await server.notify(app, {
      users: ["known", { id: "new1", email: "new1@example.com" }, "new2"],
      content: "welcome"
    })
    expect(answer.recipients).toBe(3)
    const new1 = expectOk(
      await request<{ id: string; email: string | null }>(server.url, "GET", "/v1/users/new1", {
        token: app.secret
      })
    )
    expect(new1).toMatchObject({ id: "new1", email: "new1@example.com" })
    const new2 = expectOk(
      await request<{ id: string; email: string | null }>(server.url, "GET", "/v1/users/new2", {
        token: app.secret
      })
    )
    expect(new2).toMatchObject({ id: "new2", email: null })
    const users = expectOk(
      await request<{ count: number }>(server.url, "GET", "/v1/users", { token: app.secret })
    )
    expect(users.count).toBe(3)
    expect((await backendList(app, "new1")).count).toBe(1)
    // a later broadcast reaches the users registered on the fly
    expect((await server.notify(app, { content: "broadcast" })).recipients).toBe(3)
  })

  it("accepts an email block (no SMTP configured) and still stores the in-app notification", async () => {
    const app = await server.newApp("notify-email")
    const answer = await server.notify(app, {
      users: [{ id: "m1", email: "m1@example.com" }],
      content: "with email",
      email: { send: true, force: false, subject: "Hi", content: "<b>hi</b>", contentType: "text/html" }
    })
    expect(answer.recipients).toBe(1)
    expect((await backendList(app, "m1")).count).toBe(1)
  })
})

describe("POST /v1/notify: idempotency", () => {
  it("the same body `idempotencyKey` answers the first answer and creates nothing new", async () => {
    const app = await server.newApp("idem-body")
    const body = { users: ["u1", "u2"], content: "once", idempotencyKey: "order-42" }
    const first = await request(server.url, "POST", "/v1/notify", { token: app.secret, body })
    const second = await request(server.url, "POST", "/v1/notify", { token: app.secret, body })
    expect(first.status).toBe(202)
    expect(second.status).toBe(202)
    expect(second.body).toEqual(first.body)
    expect((await backendList(app, "u1")).count).toBe(1)
    expect((await backendList(app, "u2")).count).toBe(1)
    expect((await stats(server.url, app))["notifications"]).toBe(2)
    // a different key creates a new one
    await server.notify(app, { ...body, idempotencyKey: "order-43" })
    expect((await backendList(app, "u1")).count).toBe(2)
  })

  it("the `Idempotency-Key` header works the same", async () => {
    const app = await server.newApp("idem-header")
    const body = { users: ["u1"], content: "once" }
    const headers = { "idempotency-key": "hdr-1" }
    const first = await request(server.url, "POST", "/v1/notify", { token: app.secret, body, headers })
    const second = await request(server.url, "POST", "/v1/notify", { token: app.secret, body, headers })
    expect(first.status).toBe(202)
    expect(second.status).toBe(202)
    expect(second.body).toEqual(first.body)
    expect((await backendList(app, "u1")).count).toBe(1)
    // without the header: a new notification
    await server.notify(app, body)
    expect((await backendList(app, "u1")).count).toBe(2)
  })

  it("a repeat with the same key but another body is 409 conflict and creates nothing (§10)", async () => {
    const app = await server.newApp("idem-changed")
    const first = await server.notify(app, { users: ["u1"], content: "original", idempotencyKey: "k" })
    const res = await request(server.url, "POST", "/v1/notify", {
      token: app.secret,
      body: { users: ["u1", "u2"], content: "changed", idempotencyKey: "k" }
    })
    expectError(res, 409, "conflict")
    expect((await backendList(app, "u1")).results.map((n) => n.content)).toEqual(["original"])
    const u2 = await request(server.url, "GET", "/v1/users/u2/notifications", { token: app.secret })
    expectError(u2, 404, "not_found")
    // the same body as the first call (key in the header this time) still answers the first answer
    const again = await request(server.url, "POST", "/v1/notify", {
      token: app.secret,
      body: { users: ["u1"], content: "original" },
      headers: { "idempotency-key": "k" }
    })
    expect(again.status).toBe(202)
    expect(again.body).toEqual(first)
  })

  it("in one shared commit, a conflicting key fails only its own call", async () => {
    const app = await server.newApp("idem-batch")
    await server.notify(app, { users: ["owner"], content: "first", idempotencyKey: "taken" })
    const calls = Array.from({ length: 12 }, (_, i) =>
      request(server.url, "POST", "/v1/notify", {
        token: app.secret,
        body:
          i === 5
            ? { users: ["owner"], content: "other body", idempotencyKey: "taken" }
            : { users: [`b${i}`], content: `c${i}` }
      })
    )
    const answers = await Promise.all(calls)
    answers.forEach((res, i) => {
      if (i === 5) expectError(res, 409, "conflict")
      else expect(res.status, res.text).toBe(202)
    })
    for (const i of [0, 4, 6, 11]) expect((await backendList(app, `b${i}`)).count).toBe(1)
    expect((await backendList(app, "owner")).count).toBe(1)
  })

  it("concurrent repeats of one key create one notification", async () => {
    const app = await server.newApp("idem-concurrent")
    const body = { users: ["u1"], content: "race", idempotencyKey: "race-1" }
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => request(server.url, "POST", "/v1/notify", { token: app.secret, body }))
    )
    for (const res of answers) {
      expect(res.status, res.text).toBe(202)
      expect(res.body).toEqual(answers[0]!.body)
    }
    expect((await backendList(app, "u1")).count).toBe(1)
  })
})

describe("POST /v1/notify: event types", () => {
  it("when the app declared types, `type` must be one of them (else 400 naming `type`, nothing stored)", async () => {
    const app = await server.newApp("notify-types")
    expectOk(
      await request(server.url, "PUT", "/v1/event-types/post_like", {
        token: app.secret,
        body: { title: "Like" }
      })
    )
    await server.registerUsers(app, ["u1"])
    const res = await request(server.url, "POST", "/v1/notify", {
      token: app.secret,
      body: { users: ["u1", "fresh"], type: "post_unknown", content: "x" }
    })
    expectBadField(res, "type")
    expect((await backendList(app, "u1")).count).toBe(0)
    expectError(await request(server.url, "GET", "/v1/users/fresh", { token: app.secret }), 404, "not_found")
    expect((await stats(server.url, app))["notifications"]).toBe(0)

    await server.notify(app, { users: ["u1"], type: "post_like", content: "ok" })
    // no type at all is still allowed
    await server.notify(app, { users: ["u1"], content: "untyped" })
    const list = await backendList(app, "u1")
    expect(list.results.map((n) => n.type)).toEqual([null, "post_like"])
  })

  it("an app without declared types accepts any type name", async () => {
    const app = await server.newApp("notify-free-types")
    await server.notify(app, { users: ["u1"], type: "anything.goes:here-1", content: "x" })
    expect((await backendList(app, "u1")).results[0]!.type).toBe("anything.goes:here-1")
  })
})

describe("POST /v1/notify: online", () => {
  it("counts recipients with at least one live session, and delivers to them", async () => {
    const app = await server.newApp("notify-online")
    await server.registerUsers(app, ["on", "off", "twice"])
    const on = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(localToken(app, "on"))}`)
    const t1 = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(localToken(app, "twice"))}`)
    const t2 = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(localToken(app, "twice"))}`)
    try {
      for (const ws of [on, t1, t2]) await ws.next((f) => f.type === "welcome")
      const answer = await server.notify(app, { users: ["on", "off", "twice"], content: "live" })
      expect(answer).toMatchObject({ recipients: 3, online: 2 })
      for (const ws of [on, t1, t2]) {
        const frame = await ws.next((f) => f.type === "notification")
        expect((frame["notification"] as { content: unknown }).content).toBe("live")
      }
      const onlyOff = await server.notify(app, { users: ["off"], content: "offline" })
      expect(onlyOff).toMatchObject({ recipients: 1, online: 0 })
    } finally {
      await Promise.all([on.close(), t1.close(), t2.close()])
    }
  })
})

describe("POST /v1/notify: limits", () => {
  it("answers 429 rate_limited with Retry-After past notifyPerSecond; refused calls store nothing", async () => {
    const app = await limited.newApp("rate")
    const other = await limited.newApp("rate-other")
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request(limited.url, "POST", "/v1/notify", { token: app.secret, body: { users: ["u1"], content: i } })
      )
    )
    // the other app has its own budget
    const otherAnswer = await request(limited.url, "POST", "/v1/notify", {
      token: other.secret,
      body: { users: ["u1"], content: "other" }
    })
    const accepted = answers.filter((r) => r.status === 202)
    const refused = answers.filter((r) => r.status !== 202)
    expect(accepted.length).toBeGreaterThanOrEqual(1)
    expect(refused.length).toBeGreaterThanOrEqual(1)
    for (const res of refused) {
      expectError(res, 429, "rate_limited")
      const retryAfter = res.headers.get("retry-after")
      expect(retryAfter, "Retry-After header").not.toBeNull()
      expect(retryAfter!).toMatch(/^\d+$/)
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
    }
    expect(otherAnswer.status, otherAnswer.text).toBe(202)
    const list = await backendList(app, "u1", limited)
    expect(list.count).toBe(accepted.length)
  })

  it("refuses more users than usersPerNotify with 400 naming `users`, registering none", async () => {
    const app = await limited.newApp("users-limit")
    const res = await request(limited.url, "POST", "/v1/notify", {
      token: app.secret,
      body: { users: ["a", "b", "c", "d"], content: "too many" }
    })
    expectBadField(res, "users")
    const users = expectOk(
      await request<{ count: number }>(limited.url, "GET", "/v1/users", { token: app.secret })
    )
    expect(users.count).toBe(0)
    // exactly the limit is fine (wait out the rate limit of the test above if needed)
    let ok = await request(limited.url, "POST", "/v1/notify", {
      token: app.secret,
      body: { users: ["a", "b", "c"], content: "three" }
    })
    for (let i = 0; ok.status === 429 && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 250))
      ok = await request(limited.url, "POST", "/v1/notify", {
        token: app.secret,
        body: { users: ["a", "b", "c"], content: "three" }
      })
    }
    expect(ok.status, ok.text).toBe(202)
  })

  it("refuses 10,001 users with the default limit: 400 naming `users`, nothing registered", async () => {
    const app = await server.newApp("users-limit-default")
    const users = Array.from({ length: 10_001 }, (_, i) => `u${i}`)
    const res = await request(server.url, "POST", "/v1/notify", {
      token: app.secret,
      body: { users, content: "x" }
    })
    expectBadField(res, "users")
    const list = expectOk(
      await request<{ count: number }>(server.url, "GET", "/v1/users", { token: app.secret })
    )
    expect(list.count).toBe(0)
    expect((await stats(server.url, app))["notifications"]).toBe(0)
  })
})
