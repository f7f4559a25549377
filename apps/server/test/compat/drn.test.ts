/**
 * The Django REST Notifications seed (PROTOCOL.md §9) as its clients use it: the list with
 * `readed=false`, a `PATCH` of one, the `readed=<time>` filter, batch marks, deletes and the type
 * filter, in that seed's shapes with its `Token` auth; its `/ws/notifications` socket on a second
 * device gets `new`, then `readed`. The effect is checked through the v1 API; bad input is the
 * v1 error body and changes nothing. `readed` is null or the read time, never a boolean (§16).
 */
import { connectWs, request, type TestApp, useServer, type WsClient } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectError } from "../http/helpers.js"

const server = useServer()
let app: TestApp
let token: string

interface DrnNotification {
  id: string
  user: string
  /** The read time `YYYY-MM-DDTHH:MM:SS` (UTC), or null while unread (PROTOCOL.md §16). */
  readed: string | null
  event: {
    id: string
    timestamp: string
    author: string | null
    type: { id: string; name: string; title: string; description: string | null } | null
    title: string | null
    message: unknown
    data: unknown
  }
}
/** A frame of the seed's `/ws/notifications` socket (not the v1 stream's frames). */
interface DrnFrame {
  action: "new" | "readed"
  notification: DrnNotification
}
interface DrnList {
  count: number
  next: string | null
  previous: string | null
  results: Array<DrnNotification>
}

/** A call with the seed's `Authorization: Token …`. */
const drn = <T = unknown>(method: string, path: string, body?: unknown, as = token) =>
  request<T>(server.url, method, path, {
    headers: { authorization: `Token ${as}` },
    ...(body === undefined ? {} : { body })
  })

const v1Counts = async () =>
  (await request(server.url, "GET", "/v1/me/counts", { token })).body as { unread: number; total: number }

let device: WsClient<DrnFrame>

beforeAll(async () => {
  app = await server.newApp("drn")
  token = await server.userToken(app, "7")
  await request(server.url, "PUT", "/v1/event-types/comment", {
    token: app.secret,
    body: { title: "New comment", description: "Someone commented" }
  })
  await request(server.url, "PUT", "/v1/event-types/like", { token: app.secret, body: { title: "Like" } })
  device = await connectWs<DrnFrame>(
    `${server.wsUrl}/ws/notifications?token=${await server.userToken(app, "7")}`
  )
})
afterAll(async () => {
  await device.close()
})

describe("Django REST Notifications", () => {
  let ids: Array<string> = []
  let call = ""

  it("lists unread notifications in the seed's shape, and the second device gets `new`", async () => {
    call = (
      await server.notify(app, {
        users: ["7"],
        type: "comment",
        title: "Re: post",
        content: "nice",
        author: "9",
        data: { post: 1 }
      })
    ).id
    await server.notify(app, { users: ["7"], type: "like", content: { n: 2 } })
    const list = await drn<DrnList>("GET", "/notifications?readed=false")
    expect(list.status).toBe(200)
    expect(list.body.count).toBe(2)
    expect(list.body.results[1]).toEqual({
      id: expect.any(String),
      user: "7",
      readed: null,
      event: {
        id: call,
        timestamp: expect.any(String),
        author: "9",
        type: { id: "comment", name: "comment", title: "New comment", description: "Someone commented" },
        title: "Re: post",
        message: "nice",
        data: { post: 1 }
      }
    })
    expect(list.body.results[0]?.event).toMatchObject({
      type: { name: "like", title: "Like", description: null },
      message: { n: 2 }
    })
    ids = list.body.results.map((n) => n.id)
    const news = await device.collect(2, (f) => f["action"] === "new")
    expect(news.map((f) => (f["notification"] as DrnNotification).id).sort()).toEqual([...ids].sort())
    expect(news.find((f) => (f["notification"] as DrnNotification).id === ids[1])?.["notification"]).toEqual(
      list.body.results[1]
    )
  })

  it("PATCH /notifications/{id} with no body reads it; `readed` lists and the timestamp filter show it", async () => {
    const since = new Date(Date.now() - 1000).toISOString().slice(0, 19)
    const res = await drn<DrnNotification>("PATCH", `/notifications/${ids[1]}`)
    expect(res.status).toBe(200)
    const v1 = await request<{ readAt: string }>(server.url, "GET", `/v1/me/notifications/${ids[1]}`, {
      token
    })
    const readAt = v1.body.readAt
    expect(readAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    // that system's format: UTC, to the second, no zone
    expect(res.body).toMatchObject({ id: ids[1], readed: readAt.slice(0, 19) })
    expect(res.body.readed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)
    expect(res.body.readed! >= since).toBe(true)
    const readed = await device.next((f) => f["action"] === "readed")
    expect(readed["notification"]).toMatchObject({
      id: ids[1],
      readed: readAt.slice(0, 19),
      event: { id: call }
    })
    expect((await drn<DrnList>("GET", "/notifications")).body.results.map((n) => [n.id, n.readed])).toEqual([
      [ids[0], null],
      [ids[1], readAt.slice(0, 19)]
    ])
    expect((await v1Counts()).unread).toBe(1)
    expect((await drn<DrnList>("GET", "/notifications?readed=false")).body.results.map((n) => n.id)).toEqual([
      ids[0]
    ])
    expect((await drn<DrnList>("GET", "/notifications?readed=true")).body.results.map((n) => n.id)).toEqual([
      ids[1]
    ])
    expect(
      (await drn<DrnList>("GET", `/notifications?readed=${since}`)).body.results.map((n) => n.id)
    ).toEqual([ids[1]])
    const later = new Date(Date.now() + 60_000).toISOString().slice(0, 19)
    expect((await drn<DrnList>("GET", `/notifications?readed=${later}`)).body.count).toBe(0)
  })

  it("pages with limit and offset, with next and previous links", async () => {
    const first = await drn<DrnList>("GET", "/notifications?limit=1")
    expect(first.body).toMatchObject({ count: 2, previous: null })
    expect(first.body.results.map((n) => n.id)).toEqual([ids[0]])
    const next = new URL(first.body.next!)
    expect(next.pathname).toBe("/notifications")
    const second = await drn<DrnList>("GET", next.pathname + next.search)
    expect(second.body.results.map((n) => n.id)).toEqual([ids[1]])
    expect(second.body.next).toBeNull()
    expect(second.body.previous).not.toBeNull()
  })

  it("PATCH /notifications with a list of ids reads them all, DELETE removes one", async () => {
    const more = await server.notify(app, { users: ["7"], content: "third" })
    const list = await drn<DrnList>("GET", "/notifications?readed=false")
    const unread = list.body.results.map((n) => n.id)
    expect(unread).toHaveLength(2)
    const res = await drn("PATCH", "/notifications", unread)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ updated: 2 })
    expect((await v1Counts()).unread).toBe(0)
    const readed = await device.collect(3, (f) => f["action"] === "readed")
    expect(
      readed
        .slice(1)
        .map((f) => (f["notification"] as DrnNotification).id)
        .sort()
    ).toEqual([...unread].sort())
    for (const f of readed.slice(1))
      expect((f["notification"] as DrnNotification).readed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)
    expect((await drn("DELETE", `/notifications/${ids[0]}`)).status).toBe(204)
    expect((await v1Counts()).total).toBe(2)
    expect((await request(server.url, "GET", `/v1/me/notifications/${ids[0]}`, { token })).status).toBe(404)
    expect(more.id).toMatch(/^call_/)
  })

  it("GET and PATCH /notifications/filter are the user's in-app preferences", async () => {
    expect((await drn("GET", "/notifications/filter")).body).toEqual({ types: ["comment", "like"] })
    const res = await drn("PATCH", "/notifications/filter", { types: ["comment"] })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ types: ["comment"] })
    const prefs = await request(server.url, "GET", "/v1/me/preferences", { token })
    expect(prefs.body).toEqual({
      types: {
        comment: { inApp: true, email: true, push: true },
        like: { inApp: false, email: true, push: true }
      },
      topics: {}
    })
    // applied: a `like` is no longer delivered in-app
    const before = (await v1Counts()).total
    await server.notify(app, { users: ["7"], type: "like", content: "filtered" })
    expect((await v1Counts()).total).toBe(before)
  })

  it("refuses bad input with the v1 error body and changes nothing", async () => {
    const before = await v1Counts()
    const prefs = (await request(server.url, "GET", "/v1/me/preferences", { token })).body
    expectError(await request(server.url, "GET", "/notifications"), 401, "unauthorized")
    expectError(await drn("GET", "/notifications", undefined, "not-a-token"), 401, "unauthorized")
    expectError(await drn("GET", "/notifications", undefined, app.secret), 401, "unauthorized")
    expectError(await drn("GET", "/notifications?readed=yesterday"), 400, "bad_request")
    expectError(await drn("GET", "/notifications?readed=2026-02-30T10:00:00"), 400, "bad_request")
    expectError(await drn("GET", "/notifications?limit=-1"), 400, "bad_request")
    expectError(await drn("PATCH", "/notifications", { ids: ["x"] }), 400, "bad_request")
    expectError(await drn("PATCH", "/notifications", []), 400, "bad_request")
    expectError(
      await request(server.url, "PATCH", "/notifications", {
        headers: { authorization: `Token ${token}` },
        rawBody: '["a", ',
        body: undefined
      }),
      400,
      "bad_request"
    )
    expectError(await drn("PATCH", "/notifications/ntf_nope_0"), 404, "not_found")
    expectError(await drn("DELETE", "/notifications/ntf_nope_0"), 404, "not_found")
    expectError(await drn("PATCH", "/notifications/filter", { types: "comment" }), 400, "bad_request")
    expectError(await drn("PATCH", "/notifications/filter", { types: ["nope"] }), 400, "bad_request")
    expectError(await drn("PATCH", "/notifications/filter", ["comment"]), 400, "bad_request")
    expect(await v1Counts()).toEqual(before)
    expect((await request(server.url, "GET", "/v1/me/preferences", { token })).body).toEqual(prefs)
  })

  it("closes /ws/notifications without a valid token with 4001", async () => {
    const none = await connectWs(`${server.wsUrl}/ws/notifications`)
    expect((await none.closed).code).toBe(4001)
    const bad = await connectWs(`${server.wsUrl}/ws/notifications?token=nope`)
    expect((await bad.closed).code).toBe(4001)
  })
})
