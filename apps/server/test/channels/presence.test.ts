/**
 * Presence (PROTOCOL.md §12): the members of a channel are users, not tabs. Two sessions of one
 * user give their observers one `join`; closing one of them gives nothing (presence still lists
 * the user, with one session); closing the last gives one `leave`. A channel token's `info` is
 * shown in presence and in `join`. A long-poller is one member while it keeps polling, and
 * leaves once it stops.
 */
import type { ServerFrame } from "@pushback/protocol/types"
import { eventually, request, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, expect, it } from "vitest"
import { ask, channelToken, openWs, pollChannels, publishAs, putNamespace, tokenWith } from "./clients.js"

// A long-poller stays a member 1 s past each poll (the default 10 s would make the test wait).
const server = useServer({ config: { channels: { pollPresenceSeconds: 1 } } })
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("presence")
  await putNamespace(server, app, "room", { presence: true, joinLeave: true })
})

const about = (user: string, type: "join" | "leave") => (f: ServerFrame) =>
  f.type === type && (f as { user: string }).user === user

it("two sessions of one user: one join; closing one: nothing; closing the last: one leave", async () => {
  const channel = "room:tabs"
  const presence = async () =>
    (
      await request<{ users: Array<{ id: string; sessions: number; info: unknown }> }>(
        server.url,
        "GET",
        `/v1/channels/${channel}/presence`,
        { token: app.secret }
      )
    ).body.users
  const observer = await openWs(server, tokenWith(app, "olga", ["room:*"]), [channel])
  const bob = tokenWith(app, "bob", [])
  const tab1 = await openWs(server, bob, [])
  expect(
    await ask(tab1, { type: "subscribe", channel, token: channelToken(app, "bob", channel, { name: "Bob" }) })
  ).toMatchObject({ ok: true })
  expect(await observer.next(about("bob", "join"))).toMatchObject({ info: { name: "Bob" } })
  const tab2 = await openWs(server, bob, [])
  expect(
    await ask(tab2, { type: "subscribe", channel, token: channelToken(app, "bob", channel) })
  ).toMatchObject({
    ok: true
  })
  await eventually(async () => (await presence()).find((u) => u.id === "bob")?.sessions === 2)
  expect(await presence()).toEqual(
    expect.arrayContaining([
      { id: "bob", info: { name: "Bob" }, sessions: 2 },
      { id: "olga", info: null, sessions: 1 }
    ])
  )

  await tab1.close()
  await eventually(async () => (await presence()).find((u) => u.id === "bob")?.sessions === 1)
  await tab2.close()
  await observer.next(about("bob", "leave"))
  expect(observer.frames.filter(about("bob", "join"))).toHaveLength(1)
  expect(observer.frames.filter(about("bob", "leave"))).toHaveLength(1)
  expect((await presence()).map((u) => u.id)).toEqual(["olga"])
  await observer.close()
})

it("the active channels count sessions and users; the operator sees them and their presence", async () => {
  const channel = "room:count"
  const a = await openWs(server, tokenWith(app, "ann", ["room:*"]), [channel])
  const b = await openWs(server, tokenWith(app, "ann", ["room:*"]), [channel])
  const c = await openWs(server, tokenWith(app, "cid", ["room:*"]), [channel])
  const list = await request<{ channels: Array<{ name: string; subscribers: number; users: number }> }>(
    server.url,
    "GET",
    "/v1/channels?prefix=room:c",
    { token: app.secret }
  )
  expect(list.body.channels).toEqual([{ name: channel, subscribers: 3, users: 2 }])
  const admin = await request<{ channels: unknown }>(
    server.url,
    "GET",
    `/v1/apps/${app.id}/channels?prefix=room:c`,
    {
      token: server.adminToken
    }
  )
  expect(admin.body.channels).toEqual(list.body.channels)
  const who = await request<{ users: Array<{ id: string }> }>(
    server.url,
    "GET",
    `/v1/apps/${app.id}/channels/${channel}/presence`,
    { token: server.adminToken }
  )
  expect(who.body.users.map((u) => u.id).sort()).toEqual(["ann", "cid"])
  await Promise.all([a.close(), b.close(), c.close()])
})

it("a long-poller is a member while it keeps polling: one join, then one leave once it stops", async () => {
  const channel = "room:poll"
  const observer = await openWs(server, tokenWith(app, "obi", ["room:*"]), [channel])
  const poller = await pollChannels(1)(server, tokenWith(app, "pat", ["room:*"]), [channel])
  await observer.next(about("pat", "join"))
  // Polls come and go for 2.5 s (each answered by a publication, each ending its session)
  // without a leave. Without history, what falls between two polls comes as `subscribed`.
  const started = Date.now()
  while (Date.now() - started < 2500) {
    await publishAs(server, app, channel, { tick: Date.now() })
    await poller.next(
      (f) => (f.type === "publication" || f.type === "subscribed") && f.channel === channel && f.offset > 0
    )
  }
  expect(observer.frames.filter(about("pat", "leave"))).toHaveLength(0)
  await poller.close()
  await observer.next(about("pat", "leave"), 10_000)
  expect(observer.frames.filter(about("pat", "join"))).toHaveLength(1)
  await observer.close()
})
