/**
 * The end-user API (PROTOCOL.md §3.3): list with filters and paging links, get, mark one,
 * mark many, delete, counts, preferences; and the stream entries marks produce.
 */
import type { NotificationFrame } from "@pushback/protocol/types"
import { connectWs, localToken, request, sleep, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import {
  counts,
  expectBadField,
  expectError,
  expectOk,
  expectTimestamp,
  inbox,
  type Notification,
  NOTIFICATION_KEYS,
  type NotificationList
} from "./helpers.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("inbox")
  for (const name of ["like", "comment"]) {
    expectOk(
      await request(server.url, "PUT", `/v1/event-types/${name}`, {
        token: app.secret,
        body: { title: name }
      })
    )
  }
})

const tokenOf = (user: string) => localToken(app, user)

/** Sends `n` notifications to `user` one after another; content is the index (0 = oldest). */
const fill = async (user: string, n: number, extra: Record<string, unknown> = {}) => {
  for (let i = 0; i < n; i++) await server.notify(app, { users: [user], content: i, ...extra })
}

/** Notifications of `user`, oldest first. */
const oldestFirst = async (user: string) =>
  (await inbox(server.url, tokenOf(user), "?limit=100")).results.toReversed()

/** Follows a `next`/`previous` link (absolute or relative) with the user's token. */
const follow = async (link: string, token: string) => {
  const url = new URL(link, server.url)
  expect(url.pathname).toBe("/v1/me/notifications")
  return expectOk(await request<NotificationList>(server.url, "GET", url.pathname + url.search, { token }))
}

const patchOne = (user: string, id: string, body: unknown) =>
  request<Notification>(server.url, "PATCH", `/v1/me/notifications/${encodeURIComponent(id)}`, {
    token: tokenOf(user),
    body
  })
const patchMany = (user: string, body: unknown) =>
  request<{ updated: number }>(server.url, "PATCH", "/v1/me/notifications", { token: tokenOf(user), body })
const getOne = (user: string, id: string) =>
  request<Notification>(server.url, "GET", `/v1/me/notifications/${encodeURIComponent(id)}`, {
    token: tokenOf(user)
  })

describe("GET /v1/me/notifications", () => {
  it("newest first, 20 by default, count is the total, next/previous link the pages", async () => {
    await fill("pager", 23)
    const token = tokenOf("pager")
    const first = await inbox(server.url, token)
    expect(Object.keys(first).sort()).toEqual(["count", "next", "previous", "results"])
    expect(first.count).toBe(23)
    expect(first.results.map((n) => n.content)).toEqual(Array.from({ length: 20 }, (_, i) => 22 - i))
    for (const n of first.results) {
      expect(Object.keys(n).sort()).toEqual(NOTIFICATION_KEYS)
      expect(n.user).toBe("pager")
    }
    expect(first.previous).toBeNull()
    expect(typeof first.next).toBe("string")

    const second = await follow(first.next!, token)
    expect(second.count).toBe(23)
    expect(second.results.map((n) => n.content)).toEqual([2, 1, 0])
    expect(second.next).toBeNull()
    expect(typeof second.previous).toBe("string")

    const back = await follow(second.previous!, token)
    expect(back.results.map((n) => n.id)).toEqual(first.results.map((n) => n.id))
  })

  it("limit and offset select a window; its links point at the neighbouring windows", async () => {
    const token = tokenOf("pager")
    const page = await inbox(server.url, token, "?limit=5&offset=5")
    expect(page.count).toBe(23)
    expect(page.results.map((n) => n.content)).toEqual([17, 16, 15, 14, 13])
    expect((await follow(page.next!, token)).results.map((n) => n.content)).toEqual([12, 11, 10, 9, 8])
    expect((await follow(page.previous!, token)).results.map((n) => n.content)).toEqual([22, 21, 20, 19, 18])
    const past = await inbox(server.url, token, "?offset=100")
    expect(past.count).toBe(23)
    expect(past.results).toEqual([])
    expect(past.next).toBeNull()
  })

  it("status=all|unseen|unread|read filters, and count follows the filter", async () => {
    await fill("marker", 4)
    const [n0, n1, n2, n3] = await oldestFirst("marker")
    expectOk(await patchOne("marker", n1!.id, { seen: true }))
    expectOk(await patchOne("marker", n2!.id, { read: true }))
    const token = tokenOf("marker")
    const ids = async (status: string) => {
      const list = await inbox(server.url, token, `?status=${status}`)
      expect(list.count).toBe(list.results.length)
      return list.results.map((n) => n.id)
    }
    expect(await ids("all")).toEqual([n3!.id, n2!.id, n1!.id, n0!.id])
    expect(await ids("unseen")).toEqual([n3!.id, n0!.id])
    expect(await ids("unread")).toEqual([n3!.id, n1!.id, n0!.id])
    expect(await ids("read")).toEqual([n2!.id])
    expect(await counts(server.url, token)).toEqual({ unseen: 2, unread: 3, total: 4 })
  })

  it("type filters by event type, and next keeps the filter", async () => {
    await fill("typed", 3, { type: "like" })
    await fill("typed", 2, { type: "comment" })
    await fill("typed", 1)
    const token = tokenOf("typed")
    const likes = await inbox(server.url, token, "?type=like&limit=2")
    expect(likes.count).toBe(3)
    expect(likes.results.map((n) => n.type)).toEqual(["like", "like"])
    const rest = await follow(likes.next!, token)
    expect(rest.results.map((n) => n.type)).toEqual(["like"])
    expect(rest.count).toBe(3)
    const comments = await inbox(server.url, token, "?type=comment")
    expect(comments.count).toBe(2)
    expect(comments.results.every((n) => n.type === "comment")).toBe(true)
  })

  it("status filter survives paging links", async () => {
    const token = tokenOf("pager")
    const all = await inbox(server.url, token, "?limit=100")
    // mark the 10 newest read; 13 stay unread
    expect(
      expectOk(await patchMany("pager", { ids: all.results.slice(0, 10).map((n) => n.id), read: true }))
    ).toEqual({ updated: 10 })
    const unread = await inbox(server.url, token, "?status=unread&limit=10")
    expect(unread.count).toBe(13)
    const rest = await follow(unread.next!, token)
    expect(rest.count).toBe(13)
    expect(rest.results.length).toBe(3)
    expect(rest.results.every((n) => n.readAt === null)).toBe(true)
    expect(rest.results.map((n) => n.content)).toEqual([2, 1, 0])
  })

  it("since and before select by creation time", async () => {
    await fill("timed", 2)
    await sleep(60)
    const middle = new Date().toISOString()
    await sleep(60)
    await server.notify(app, { users: ["timed"], content: "late-1" })
    await server.notify(app, { users: ["timed"], content: "late-2" })
    const token = tokenOf("timed")
    const since = await inbox(server.url, token, `?since=${encodeURIComponent(middle)}`)
    expect(since.count).toBe(2)
    expect(since.results.map((n) => n.content)).toEqual(["late-2", "late-1"])
    const before = await inbox(server.url, token, `?before=${encodeURIComponent(middle)}`)
    expect(before.count).toBe(2)
    expect(before.results.map((n) => n.content)).toEqual([1, 0])
    const both = await inbox(
      server.url,
      token,
      `?since=${encodeURIComponent("2000-01-01T00:00:00.000Z")}&before=${encodeURIComponent(middle)}`
    )
    expect(both.results.map((n) => n.content)).toEqual([1, 0])
    // the paging links keep the time filter
    const paged = await inbox(server.url, token, `?since=${encodeURIComponent(middle)}&limit=1`)
    expect(paged.results.map((n) => n.content)).toEqual(["late-2"])
    const next = await follow(paged.next!, token)
    expect(next.count).toBe(2)
    expect(next.results.map((n) => n.content)).toEqual(["late-1"])
    expect(next.next).toBeNull()
  })

  it("refuses bad query parameters with 400 naming the field", async () => {
    const token = tokenOf("pager")
    for (const [query, field] of [
      ["limit=0", "limit"],
      ["limit=abc", "limit"],
      ["limit=-3", "limit"],
      ["limit=2.5", "limit"],
      ["offset=-1", "offset"],
      ["offset=abc", "offset"],
      ["status=bogus", "status"],
      ["since=notadate", "since"],
      ["before=notadate", "before"],
      ["since=2026-13-45T99:00:00Z", "since"]
    ] as const) {
      expectBadField(await request(server.url, "GET", `/v1/me/notifications?${query}`, { token }), field)
    }
  })

  it("a limit above the largest page is refused or capped, never more than 100 results", async () => {
    for (let i = 0; i < 105; i += 15) {
      await Promise.all(
        Array.from({ length: 15 }, (_, j) => server.notify(app, { users: ["big"], content: i + j }))
      )
    }
    const res = await request<NotificationList>(server.url, "GET", "/v1/me/notifications?limit=1000", {
      token: tokenOf("big")
    })
    if (res.status === 200) expect(res.body.results.length).toBeLessThanOrEqual(100)
    else expectBadField(res, "limit")
  })
})

describe("GET /v1/me/notifications/{id}", () => {
  it("answers the Notification; another user's or an unknown id is 404", async () => {
    await fill("getter", 1)
    await fill("someone-else", 1)
    const [mine] = await oldestFirst("getter")
    const [theirs] = await oldestFirst("someone-else")
    expect(expectOk(await getOne("getter", mine!.id))).toEqual(mine)
    expectError(await getOne("getter", theirs!.id), 404, "not_found")
    expectError(await getOne("getter", "nope"), 404, "not_found")
  })
})

describe("PATCH /v1/me/notifications/{id}", () => {
  it("seen sets seenAt; read sets readAt and keeps seenAt", async () => {
    await fill("patcher", 1)
    const [n] = await oldestFirst("patcher")
    const seen = expectOk(await patchOne("patcher", n!.id, { seen: true }))
    expect(seen.id).toBe(n!.id)
    expect(Object.keys(seen).sort()).toEqual(NOTIFICATION_KEYS)
    expectTimestamp(seen.seenAt)
    expect(seen.readAt).toBeNull()
    expect(seen.content).toBe(0)
    expect(expectOk(await getOne("patcher", n!.id)).seenAt).toBe(seen.seenAt)

    const again = expectOk(await patchOne("patcher", n!.id, { seen: true }))
    expect(again.seenAt).toBe(seen.seenAt)

    const read = expectOk(await patchOne("patcher", n!.id, { read: true }))
    expectTimestamp(read.readAt)
    expect(read.seenAt).toBe(seen.seenAt)
    const readAgain = expectOk(await patchOne("patcher", n!.id, { read: true }))
    expect(readAgain.readAt).toBe(read.readAt)
    expect(await counts(server.url, tokenOf("patcher"))).toEqual({ unseen: 0, unread: 0, total: 1 })
  })

  it("read on an unseen notification also sets seenAt", async () => {
    await fill("reader", 1)
    const [n] = await oldestFirst("reader")
    const read = expectOk(await patchOne("reader", n!.id, { read: true }))
    expectTimestamp(read.readAt)
    expectTimestamp(read.seenAt)
    expect(Date.parse(read.seenAt!)).toBeLessThanOrEqual(Date.parse(read.readAt!))
    expect(await counts(server.url, tokenOf("reader"))).toEqual({ unseen: 0, unread: 0, total: 1 })
  })

  it("another user's or an unknown id is 404 and changes nothing", async () => {
    await fill("victim", 1)
    const [n] = await oldestFirst("victim")
    expectError(await patchOne("intruder", n!.id, { read: true }), 404, "not_found")
    expectError(await patchOne("intruder", "nope", { read: true }), 404, "not_found")
    expect(expectOk(await getOne("victim", n!.id))).toMatchObject({ seenAt: null, readAt: null })
  })

  it("refuses a malformed body with 400 and changes nothing", async () => {
    await fill("badpatch", 1)
    const [n] = await oldestFirst("badpatch")
    expectBadField(await patchOne("badpatch", n!.id, { seen: "yes" }), "seen")
    expectBadField(await patchOne("badpatch", n!.id, { read: 1 }), "read")
    expectError(await patchOne("badpatch", n!.id, [true]), 400, "bad_request")
    expectError(
      await request(server.url, "PATCH", `/v1/me/notifications/${n!.id}`, {
        token: tokenOf("badpatch"),
        rawBody: "{seen:true}"
      }),
      400,
      "bad_request"
    )
    expect(expectOk(await getOne("badpatch", n!.id))).toMatchObject({ seenAt: null, readAt: null })
  })
})

describe("PATCH /v1/me/notifications (batch)", () => {
  it("marks by ids or all, answers {updated}, and deletes", async () => {
    await fill("batch", 5)
    await fill("bystander", 1)
    const [n0, n1, n2] = await oldestFirst("batch")
    const [other] = await oldestFirst("bystander")
    const token = tokenOf("batch")

    expect(expectOk(await patchMany("batch", { ids: [n0!.id, n1!.id], seen: true }))).toEqual({ updated: 2 })
    expect(await counts(server.url, token)).toEqual({ unseen: 3, unread: 5, total: 5 })
    const seenOnes = (await inbox(server.url, token, "?limit=100")).results.filter((n) => n.seenAt !== null)
    expect(seenOnes.map((n) => n.id).sort()).toEqual([n0!.id, n1!.id].sort())

    expect(expectOk(await patchMany("batch", { all: true, read: true }))).toEqual({ updated: 5 })
    expect(await counts(server.url, token)).toEqual({ unseen: 0, unread: 0, total: 5 })
    for (const n of (await inbox(server.url, token)).results) {
      expectTimestamp(n.readAt)
      expectTimestamp(n.seenAt)
    }

    expect(expectOk(await patchMany("batch", { ids: [n2!.id], deleted: true }))).toEqual({ updated: 1 })
    expect(await counts(server.url, token)).toEqual({ unseen: 0, unread: 0, total: 4 })
    expectError(await getOne("batch", n2!.id), 404, "not_found")
    expect((await inbox(server.url, token)).results.map((n) => n.id)).not.toContain(n2!.id)

    // ids of another user's or of no notification change nothing
    expect(expectOk(await patchMany("batch", { ids: [other!.id, "nope"], read: true }))).toEqual({
      updated: 0
    })
    expect(expectOk(await getOne("bystander", other!.id))).toMatchObject({ seenAt: null, readAt: null })
    expect(expectOk(await patchMany("batch", { ids: [other!.id], deleted: true }))).toEqual({ updated: 0 })
    expect(expectOk(await getOne("bystander", other!.id)).id).toBe(other!.id)

    expect(expectOk(await patchMany("batch", { all: true, deleted: true }))).toEqual({ updated: 4 })
    expect(await counts(server.url, token)).toEqual({ unseen: 0, unread: 0, total: 0 })
    expect(await counts(server.url, tokenOf("bystander"))).toEqual({ unseen: 1, unread: 1, total: 1 })
  })

  it("all: true only touches the caller's own notifications", async () => {
    await fill("all-a", 2)
    await fill("all-b", 3)
    expect(expectOk(await patchMany("all-a", { all: true, seen: true }))).toEqual({ updated: 2 })
    expect(await counts(server.url, tokenOf("all-b"))).toEqual({ unseen: 3, unread: 3, total: 3 })
  })

  it("refuses malformed bodies with 400 naming the field, changing nothing", async () => {
    await fill("batchbad", 2)
    const [n] = await oldestFirst("batchbad")
    expectBadField(await patchMany("batchbad", { ids: n!.id, read: true }), "ids")
    expectBadField(await patchMany("batchbad", { ids: [1, 2], read: true }), "ids")
    expectBadField(await patchMany("batchbad", { all: "yes", read: true }), "all")
    expectBadField(await patchMany("batchbad", { all: true, read: "true" }), "read")
    expectBadField(await patchMany("batchbad", { all: true, deleted: 1 }), "deleted")
    expectError(await patchMany("batchbad", null), 400, "bad_request")
    expect(await counts(server.url, tokenOf("batchbad"))).toEqual({ unseen: 2, unread: 2, total: 2 })
  })
})

describe("DELETE /v1/me/notifications/{id}", () => {
  it("204; gone from get, list and counts; again 404; another user's is 404 and stays", async () => {
    await fill("deleter", 2)
    await fill("keeper", 1)
    const [n0, n1] = await oldestFirst("deleter")
    const [kept] = await oldestFirst("keeper")
    const del = (user: string, id: string) =>
      request(server.url, "DELETE", `/v1/me/notifications/${encodeURIComponent(id)}`, {
        token: tokenOf(user)
      })
    const res = await del("deleter", n0!.id)
    expect(res.status, res.text).toBe(204)
    expect(res.text).toBe("")
    expectError(await getOne("deleter", n0!.id), 404, "not_found")
    expect((await inbox(server.url, tokenOf("deleter"))).results.map((n) => n.id)).toEqual([n1!.id])
    expect(await counts(server.url, tokenOf("deleter"))).toEqual({ unseen: 1, unread: 1, total: 1 })
    expectError(await del("deleter", n0!.id), 404, "not_found")
    expectError(await del("deleter", kept!.id), 404, "not_found")
    expect(expectOk(await getOne("keeper", kept!.id)).id).toBe(kept!.id)
    // the backend view agrees
    const backend = expectOk(
      await request<NotificationList>(server.url, "GET", "/v1/users/deleter/notifications", {
        token: app.secret
      })
    )
    expect(backend.results.map((n) => n.id)).toEqual([n1!.id])
  })
})

describe("GET /v1/me/counts", () => {
  it("answers exactly {unseen, unread, total}, zero for a user with nothing", async () => {
    const res = await request(server.url, "GET", "/v1/me/counts", { token: tokenOf("nobody-yet") })
    expect(expectOk(res)).toEqual({ unseen: 0, unread: 0, total: 0 })
    await fill("counter", 3)
    expect(await counts(server.url, tokenOf("counter"))).toEqual({ unseen: 3, unread: 3, total: 3 })
  })
})

describe("preferences", () => {
  type Prefs = { types: Record<string, { inApp: boolean; email: boolean }> }
  const getPrefs = async (user: string) =>
    expectOk(await request<Prefs>(server.url, "GET", "/v1/me/preferences", { token: tokenOf(user) }))
  const putPrefs = (user: string, body: unknown) =>
    request<Prefs>(server.url, "PUT", "/v1/me/preferences", { token: tokenOf(user), body })

  it("GET answers {types: {<name>: {inApp, email, push}}, topics} for the declared types", async () => {
    const prefs = await getPrefs("pref-reader")
    expect(Object.keys(prefs)).toEqual(["types", "topics"])
    expect((prefs as unknown as { topics: unknown }).topics).toEqual({}) // follows no topic (§11)
    expect(Object.keys(prefs.types).sort()).toEqual(["comment", "like"])
    for (const c of Object.values(prefs.types)) {
      expect(Object.keys(c).sort()).toEqual(["email", "inApp", "push"])
      expect(c.inApp).toBe(true)
      expect(typeof c.email).toBe("boolean")
    }
  })

  it("PUT merges a partial update and answers the whole preferences", async () => {
    const before = await getPrefs("pref-writer")
    const res = await putPrefs("pref-writer", { types: { like: { inApp: false } } })
    const whole = expectOk(res)
    expect(whole).toEqual({
      topics: {},
      types: { ...before.types, like: { inApp: false, email: before.types["like"]!.email, push: true } }
    })
    expect(await getPrefs("pref-writer")).toEqual(whole)
    const emailOff = expectOk(await putPrefs("pref-writer", { types: { comment: { email: false } } }))
    expect(emailOff.types["like"]).toEqual({ inApp: false, email: before.types["like"]!.email, push: true })
    expect(emailOff.types["comment"]).toEqual({
      inApp: before.types["comment"]!.inApp,
      email: false,
      push: true
    })
    // other users are untouched
    expect((await getPrefs("pref-reader")).types["like"]!.inApp).toBe(true)
  })

  it("refuses malformed preferences with 400 and changes nothing", async () => {
    const before = await getPrefs("pref-bad")
    expectBadField(await putPrefs("pref-bad", { types: { like: { inApp: "no" } } }), "types")
    expectBadField(await putPrefs("pref-bad", { types: "like" }), "types")
    expectError(await putPrefs("pref-bad", []), 400, "bad_request")
    expect(await getPrefs("pref-bad")).toEqual(before)
  })

  it("a user who disabled a type in-app gets no notification of that type; others and other types still arrive", async () => {
    expectOk(await putPrefs("muted", { types: { like: { inApp: false } } }))
    await server.notify(app, { users: ["muted", "unmuted"], type: "like", content: "a like" })
    await server.notify(app, { type: "like", users: ["muted"], content: "another like" })
    await server.notify(app, { users: ["muted"], type: "comment", content: "a comment" })
    await server.notify(app, { users: ["muted"], content: "untyped" })
    const muted = await inbox(server.url, tokenOf("muted"))
    expect(muted.results.map((n) => n.content)).toEqual(["untyped", "a comment"])
    expect(await counts(server.url, tokenOf("muted"))).toEqual({ unseen: 2, unread: 2, total: 2 })
    expect((await inbox(server.url, tokenOf("unmuted"))).results.map((n) => n.content)).toEqual(["a like"])

    // the muted user's live session does not get it either
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(tokenOf("muted"))}`)
    try {
      await ws.next((f) => f.type === "welcome")
      await server.notify(app, { users: ["muted"], type: "like", content: "live like" })
      await server.notify(app, { users: ["muted"], type: "comment", content: "live comment" })
      const frame = await ws.next((f) => f.type === "notification")
      expect((frame["notification"] as Notification).content).toBe("live comment")
    } finally {
      await ws.close()
    }

    // enabling it again restores delivery
    expectOk(await putPrefs("muted", { types: { like: { inApp: true } } }))
    await server.notify(app, { users: ["muted"], type: "like", content: "welcome back" })
    expect((await inbox(server.url, tokenOf("muted"))).results[0]!.content).toBe("welcome back")
  })
})

describe("marks reach every session as exactly one stream entry", () => {
  it("read/seen/deleted each produce one entry with the changed ids; a no-op produces none", async () => {
    const token = tokenOf("streamer")
    const s1 = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(token)}`)
    const s2 = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(token)}`)
    try {
      await s1.next((f) => f.type === "welcome")
      await s2.next((f) => f.type === "welcome")
      await server.notify(app, { users: ["streamer"], content: "a" })
      await server.notify(app, { users: ["streamer"], content: "b" })
      const [fa, fb] = await s1.collect(2, (f) => f.type === "notification")
      const a = (fa!["notification"] as Notification).id
      const b = (fb!["notification"] as Notification).id
      const seq = fb!["seq"] as number
      expect(seq).toBe((fa!["seq"] as number) + 1)

      expectOk(await patchOne("streamer", a, { read: true })) // unseen → read: one `read` entry
      expectOk(await patchOne("streamer", a, { read: true })) // no-op: no entry
      expectOk(await patchOne("streamer", a, { seen: true })) // no-op: already seen by the read
      expectOk(await patchOne("streamer", b, { seen: true }))
      expect(expectOk(await patchMany("streamer", { ids: [a, b], read: true }))).toEqual({ updated: 1 })
      expect((await request(server.url, "DELETE", `/v1/me/notifications/${a}`, { token })).status).toBe(204)
      await server.notify(app, { users: ["streamer"], content: "c" })

      const expected = [
        { type: "read", ids: [a] },
        { type: "seen", ids: [b] },
        { type: "read", ids: [b] },
        { type: "deleted", ids: [a] }
      ]
      for (const ws of [s1, s2]) {
        const frames = await ws.collect(7, (f) => f.type !== "welcome")
        const entries = frames.slice(2)
        expect(entries.map((f) => f.type)).toEqual(["read", "seen", "read", "deleted", "notification"])
        let expectedSeq = seq
        for (const [i, entry] of entries.entries()) {
          expectedSeq += 1
          expect("seq" in entry ? entry.seq : undefined, `seq of ${JSON.stringify(entry)}`).toBe(expectedSeq)
          if (i < expected.length) expect("ids" in entry ? entry.ids : undefined).toEqual(expected[i]!.ids)
        }
        expect((entries[4] as NotificationFrame).notification.content).toBe("c")
      }
      // nothing else arrived
      await sleep(100)
      expect(s1.frames.filter((f) => f.type !== "welcome" && f.type !== "pong").length).toBe(7)
    } finally {
      await Promise.all([s1.close(), s2.close()])
    }
  })
})
