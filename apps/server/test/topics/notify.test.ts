/**
 * Notifying topics (PROTOCOL.md §11) through the server: every subscriber gets their own inbox
 * notification once (with users named beside the topics too), the `topic` through which each was
 * reached on REST and on the stream, `exclude`, type preferences and topic mutes honoured, an
 * unknown topic 404 with nothing stored, and bad `topics`/`exclude` 400. Runs on SQLite (server)
 * and PostgreSQL (server-pg).
 */
import { connectWs, request, type TestApp, userToken, useServer } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { counts, expectBadField, expectError, expectOk, inbox } from "../http/helpers.js"

const server = useServer()

const call = <T = unknown>(app: TestApp, method: string, path: string, body?: unknown) =>
  request<T>(server.url, method, path, { token: app.secret, ...(body === undefined ? {} : { body }) })

const notify = (app: TestApp, body: unknown) =>
  call<{ id: string; recipients: number; online: number }>(app, "POST", "/v1/notify", body)

/** A topic `key` of `app` with these subscribers. */
const topicWith = async (app: TestApp, key: string, users: ReadonlyArray<string>) => {
  expectOk(await call(app, "PUT", `/v1/topics/${key}`), 201)
  for (let i = 0; i < users.length; i += 10_000) {
    expectOk(await call(app, "POST", `/v1/topics/${key}/subscribers`, { users: users.slice(i, i + 10_000) }))
  }
}

describe("notify to topics", () => {
  it("reaches 20,000 subscribers once each, named users too, with the topic that reached them", async () => {
    const app = await server.newApp("topics-fanout")
    const everyone = Array.from({ length: 20_000 }, (_, i) => `s${i}`)
    await topicWith(app, "all", everyone)
    await topicWith(app, "few", ["s1", "s2", "outsider"])
    const res = await notify(app, { topics: ["few", "all"], users: ["s0", "named"], content: "hello all" })
    expect(expectOk(res, 202).recipients).toBe(20_002)
    const second = await notify(app, { topics: ["all"], content: "again" })
    expect(expectOk(second, 202).recipients).toBe(20_000)
    const list = (user: string) =>
      call<{ count: number; results: Array<{ topic: string | null; content: unknown }> }>(
        app,
        "GET",
        `/v1/users/${user}/notifications`
      )
    // the named one through no topic, the first listed topic that holds each other one
    const s0 = expectOk(await list("s0"))
    expect(s0.results.map((n) => [n.content, n.topic])).toEqual([
      ["again", "all"],
      ["hello all", null]
    ])
    expect(expectOk(await list("s1")).results.map((n) => n.topic)).toEqual(["all", "few"])
    expect(expectOk(await list("outsider")).results.map((n) => n.topic)).toEqual(["few"])
    expect(expectOk(await list("named")).results.map((n) => n.topic)).toEqual([null])
    const last = expectOk(await list("s19999"))
    expect(last.count).toBe(2)
    // each user's stream grew by exactly one per call: the last of 20,000 is at seq 2
    const token = await userToken(server, app, "s19999")
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(token)}&cursor=0`)
    try {
      const frames = (await ws.collect(2, (f) => f.type === "notification")) as unknown as Array<{
        seq: number
        notification: { topic: string | null }
      }>
      expect(frames.map((f) => f.seq)).toEqual([1, 2])
      expect(frames.map((f) => f.notification.topic)).toEqual(["all", "all"])
    } finally {
      await ws.close()
    }
  }, 120_000)

  it("leaves out the excluded, those who refuse the type and those who muted the topic; the live frame names it", async () => {
    const app = await server.newApp("topics-filters")
    expectOk(await call(app, "PUT", "/v1/event-types/comment", { title: "Comment" }))
    await topicWith(app, "doc", ["actor", "refuser", "muter", "both", "reader"])
    await topicWith(app, "team", ["both"])
    const tokenOf = (user: string) => userToken(server, app, user)
    const prefs = async (user: string, body: unknown) =>
      expectOk(await request(server.url, "PUT", "/v1/me/preferences", { token: await tokenOf(user), body }))
    await prefs("refuser", { types: { comment: { inApp: false } } })
    // muting one topic: reached through another it follows
    expect(await prefs("muter", { topics: { doc: { inApp: false } } })).toMatchObject({
      topics: { doc: { inApp: false } }
    })
    await prefs("both", { topics: { doc: { inApp: false } } })
    const reader = await tokenOf("reader")
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(reader)}`)
    try {
      await ws.next((f) => f.type === "welcome")
      const res = await notify(app, {
        topics: ["doc", "team"],
        exclude: ["actor"],
        type: "comment",
        content: "c"
      })
      expect(expectOk(res, 202).recipients).toBe(2)
      const frame = await ws.next((f) => f.type === "notification")
      expect((frame as unknown as { notification: unknown }).notification).toMatchObject({
        user: "reader",
        topic: "doc",
        type: "comment"
      })
    } finally {
      await ws.close()
    }
    const reached = async (user: string) => (await inbox(server.url, await tokenOf(user))).results
    expect(await reached("actor")).toEqual([])
    expect(await reached("refuser")).toEqual([])
    expect(await reached("muter")).toEqual([])
    expect((await reached("both")).map((n) => (n as { topic?: string | null }).topic)).toEqual(["team"])
    // unmuted: reached again
    await prefs("muter", { topics: { doc: { inApp: true } } })
    expectOk(await notify(app, { topics: ["doc"], content: "again" }), 202)
    expect((await reached("muter")).map((n) => (n as { topic?: string | null }).topic)).toEqual(["doc"])
    expectError(
      await request(server.url, "PUT", "/v1/me/preferences", {
        token: await tokenOf("muter"),
        body: { topics: { nope: { inApp: false } } }
      }),
      404,
      "not_found"
    )
    // exclude applies to named users and to a call to everyone as well
    const all = await notify(app, { exclude: ["actor", "reader"], content: "to all" })
    expect(expectOk(all, 202).recipients).toBe(3) // the 5 users of the app, less the 2 excluded
    const named = await notify(app, { users: ["actor", "reader"], exclude: ["actor"], content: "named" })
    expect(expectOk(named, 202).recipients).toBe(1)
  })

  it("an unknown topic is 404 naming it and stores nothing; bad topics and exclude are 400", async () => {
    const app = await server.newApp("topics-unknown")
    await topicWith(app, "real", ["u1"])
    const res = await notify(app, { topics: ["real", "ghost"], users: ["u2"], content: "x" })
    const error = expectError(res, 404, "not_found")
    expect(error.message).toContain("ghost")
    const calls = request<{ count: number }>(server.url, "GET", `/v1/apps/${app.id}/calls`, {
      token: server.adminToken
    })
    expect(expectOk(await calls).count).toBe(0)
    expectError(await call(app, "GET", "/v1/users/u2"), 404, "not_found")
    expect(await counts(server.url, await userToken(server, app, "u1"))).toMatchObject({ total: 0 })
    expectBadField(await notify(app, { topics: [], content: "x" }), "topics")
    expectBadField(await notify(app, { topics: ["bad key"], content: "x" }), "topics")
    expectBadField(
      await notify(app, { topics: Array.from({ length: 21 }, (_, i) => `t${i}`), content: "x" }),
      "topics"
    )
    expectBadField(await notify(app, { topics: ["real"], exclude: [""], content: "x" }), "exclude")
    expectBadField(
      await notify(app, {
        topics: ["real"],
        exclude: Array.from({ length: 1001 }, (_, i) => `x${i}`),
        content: "x"
      }),
      "exclude"
    )
    expect(await counts(server.url, await userToken(server, app, "u1"))).toMatchObject({ total: 0 })
  })
})
