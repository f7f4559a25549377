/**
 * `pushBack.conversations` against the real, built server: a conversation created, posted to as a
 * member and as the system, renamed, its members changed, and deleted — each answer decoded with
 * the protocol's schemas and checked against what the members themselves read over REST; bad
 * ids and bodies refused before anything is sent.
 */
import { type TestServer, startServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PushBack, PushBackError } from "../../src/index.js"

let server: TestServer
let pb: PushBack

beforeAll(async () => {
  server = await startServer()
  const app = await PushBack.admin({ url: server.url, adminToken: server.adminToken }).createApp("sdk-chat")
  pb = new PushBack({ url: server.url, secret: app.secret })
}, 60_000)

afterAll(async () => {
  await server?.dispose()
})

/** What `user` reads of their conversations over REST with their own token. */
const asUser = async (user: string, path: string) => {
  const res = await fetch(`${server.url}${path}`, {
    headers: { authorization: `Bearer ${pb.createUserToken(user)}` }
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe("conversations", () => {
  it("create, post as a member and as the system, rename, change members, delete", async () => {
    const created = await pb.conversations.create({ id: "deal-7", members: ["ana", "bo"], title: "Deal 7" })
    expect(created).toMatchObject({
      id: "deal-7",
      title: "Deal 7",
      data: null,
      lastSeq: 0,
      members: [
        { user: "ana", lastReadSeq: 0 },
        { user: "bo", lastReadSeq: 0 }
      ]
    })
    const first = await pb.conversations.post("deal-7", { text: "Hi Bo", author: "ana", data: { x: 1 } })
    expect(first).toMatchObject({
      conversation: "deal-7",
      seq: 1,
      author: "ana",
      text: "Hi Bo",
      data: { x: 1 }
    })
    const system = await pb.conversations.post("deal-7", { text: "Ana joined the deal" })
    expect(system).toMatchObject({ seq: 2, author: null })

    // Bo sees both, newest first, one of them unread by him… and none of Ana's own.
    const bo = await asUser("bo", "/v1/me/conversations")
    expect(bo.body).toMatchObject({
      count: 1,
      results: [{ id: "deal-7", unread: 2, lastMessage: { seq: 2 } }]
    })
    const ana = await asUser("ana", "/v1/me/conversations")
    expect(ana.body).toMatchObject({ results: [{ unread: 1 }] })
    const history = await asUser("bo", "/v1/me/conversations/deal-7/messages?limit=10")
    expect((history.body["messages"] as Array<{ seq: number }>).map((m) => m.seq)).toEqual([2, 1])

    expect(await pb.conversations.update("deal-7", { title: "Deal 7 (won)" })).toMatchObject({
      title: "Deal 7 (won)",
      lastSeq: 2
    })
    const added = await pb.conversations.members.add("deal-7", ["cy"])
    expect(added.members.map((m) => m.user)).toEqual(["ana", "bo", "cy"])
    const removed = await pb.conversations.members.remove("deal-7", ["bo"])
    expect(removed.members.map((m) => m.user)).toEqual(["ana", "cy"])
    expect((await asUser("bo", "/v1/me/conversations/deal-7/messages")).status).toBe(404)
    expect((await pb.conversations.get("deal-7")).members.map((m) => m.user)).toEqual(["ana", "cy"])

    await pb.conversations.delete("deal-7")
    const gone = await pb.conversations.get("deal-7").catch((e: unknown) => e)
    expect(gone).toBeInstanceOf(PushBackError)
    expect(gone).toMatchObject({ status: 404, code: "not_found" })
    // Deleting it again names nothing: 404 (only a retry after a lost answer counts that as done).
    await expect(pb.conversations.delete("deal-7")).rejects.toMatchObject({ status: 404 })
  })

  it("a server-made id, and the away-notification delay", async () => {
    const c = await pb.conversations.create({ members: ["ana", "dee"] })
    expect(c.id).toMatch(/^cnv_/)
    expect(c.title).toBeNull()
    expect(await pb.conversations.putSettings({ notifyAfter: 300 })).toEqual({ notifyAfter: 300 })
    expect(await pb.conversations.settings()).toEqual({ notifyAfter: 300 })
  })

  it("refuses bad input before sending, and what the server refuses, clearly", async () => {
    const one = await pb.conversations.create({ members: ["ana"] }).catch((e: unknown) => e)
    expect(one).toMatchObject({ status: 400, code: "bad_request" })
    const badId = await pb.conversations.get("has space").catch((e: unknown) => e)
    expect(badId).toMatchObject({ status: 400, code: "bad_request" })
    const empty = await pb.conversations.post("x", { text: "" }).catch((e: unknown) => e)
    expect(empty).toMatchObject({ status: 400, code: "bad_request" })
    const unknown = await pb.conversations.post("ghost", { text: "hello" }).catch((e: unknown) => e)
    expect(unknown).toMatchObject({ status: 404, code: "not_found" })
    await pb.conversations.create({ id: "taken", members: ["ana", "bo"] })
    const taken = await pb.conversations
      .create({ id: "taken", members: ["ana", "bo"] })
      .catch((e: unknown) => e)
    expect(taken).toMatchObject({ status: 409, code: "conflict" })
    const stranger = await pb.conversations
      .post("taken", { text: "hi", author: "zed" })
      .catch((e: unknown) => e)
    expect(stranger).toBeInstanceOf(PushBackError)
    expect((stranger as PushBackError).status).toBeGreaterThanOrEqual(400)
  })
})
