/**
 * Input the server would refuse is refused locally with 400 bad_request, and nothing is sent.
 */
import { describe, expect, it } from "vitest"
import { PushBack, PushBackError } from "../../src/index.js"
import { SECRET, URL_, fake, notifyAnswer } from "./fakeFetch.js"

/** Every call here must fail locally: the fake answers nothing useful and must never be called. */
const setup = () => {
  const f = fake(notifyAnswer)
  const pb = new PushBack({ url: URL_, secret: SECRET, fetch: f.fetch, sleep: f.sleep })
  const admin = PushBack.admin({ url: URL_, adminToken: "admin", fetch: f.fetch, sleep: f.sleep })
  return { f, pb, admin }
}

const badRequest = async (promise: Promise<unknown> | (() => unknown), field?: string) => {
  let error: unknown
  try {
    await (typeof promise === "function" ? promise() : promise)
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(PushBackError)
  expect(error).toMatchObject({ status: 400, code: "bad_request" })
  if (field !== undefined) expect((error as PushBackError).details).toEqual({ field })
}

// Deliberately wrong input, as untyped JavaScript callers may send it.
// biome-ignore lint/suspicious/noExplicitAny: the point is to bypass the types
const loose = (value: unknown): any => value

describe("local validation: 400 bad_request, nothing sent", () => {
  it("notify", async () => {
    const { f, pb } = setup()
    await badRequest(pb.notify(loose({ users: ["alice"] })), "content")
    await badRequest(pb.notify(loose({ content: null })), "content")
    await badRequest(pb.notify({ users: [""], content: "x" }), "users.0")
    await badRequest(pb.notify({ users: ["a".repeat(129)], content: "x" }), "users.0")
    await badRequest(pb.notify({ users: [{ id: "bob", email: 42 as never }], content: "x" }))
    await badRequest(pb.notify({ type: "no spaces", content: "x" }), "type")
    await badRequest(pb.notify({ content: "x", idempotencyKey: "" }), "idempotencyKey")
    await badRequest(pb.notify({ content: "x", idempotencyKey: "k".repeat(256) }), "idempotencyKey")
    await badRequest(
      pb.notify({ content: "x", email: { contentType: "text/rtf" as never } }),
      "email.contentType"
    )
    // the server's words for a typo (PROTOCOL.md §16): the field and the closest known one
    await expect(pb.notify(loose({ content: "x", contents: "typo" }))).rejects.toMatchObject({
      status: 400,
      code: "bad_request",
      details: { field: "contents", closest: "content" }
    })
    await expect(pb.notify(loose({ content: "x", email: { sned: true } }))).rejects.toMatchObject({
      message: "unknown field email.sned; did you mean email.send?",
      details: { field: "email.sned", closest: "email.send" }
    })
    await badRequest(
      pb.notify({ users: Array.from({ length: 10_001 }, (_, i) => `u${i}`), content: "x" }),
      "users"
    )
    await badRequest(pb.notify(loose(null)))
    await badRequest(pb.notify({ content: { n: 10n } }))
    expect(f.requests).toEqual([])
  })

  it("users", async () => {
    const { f, pb } = setup()
    await badRequest(pb.registerUsers([]), "users")
    await badRequest(pb.registerUsers([""]), "users.0")
    await badRequest(pb.registerUsers([{ id: "bob", email: "" }]))
    await badRequest(pb.getUser(""), "userId")
    await badRequest(pb.getUser("x".repeat(129)), "userId")
    await badRequest(pb.removeUser(loose(undefined)), "userId")
    await badRequest(pb.listUsers({ limit: 0 }), "limit")
    await badRequest(pb.listUsers({ offset: -1 }), "offset")
    await badRequest(pb.listUsers({ limit: 1.5 }), "limit")
    expect(f.requests).toEqual([])
  })

  it("listNotifications", async () => {
    const { f, pb } = setup()
    await badRequest(pb.listNotifications("", {}), "userId")
    await badRequest(pb.listNotifications("alice", { status: loose("new") }), "status")
    await badRequest(pb.listNotifications("alice", { limit: 101 }), "limit")
    await badRequest(pb.listNotifications("alice", { since: "yesterday" }), "since")
    await badRequest(pb.listNotifications("alice", { type: "a b" }), "type")
    expect(f.requests).toEqual([])
  })

  it("event types", async () => {
    const { f, pb } = setup()
    await badRequest(pb.eventTypes.put("bad name", { title: "x" }), "name")
    await badRequest(pb.eventTypes.put("post_like", { title: "" }), "title")
    await badRequest(pb.eventTypes.put("post_like", loose({})), "title")
    await badRequest(pb.eventTypes.delete("x".repeat(65)), "name")
    expect(f.requests).toEqual([])
  })

  it("user tokens", async () => {
    const { f, pb } = setup()
    await badRequest(() => pb.createUserToken(""), "user")
    await badRequest(() => pb.createUserToken("a".repeat(129)), "user")
    await badRequest(() => pb.createUserToken("alice", { ttlSeconds: 0 }), "ttlSeconds")
    await badRequest(() => pb.createUserToken("alice", { ttlSeconds: 86_401 }), "ttlSeconds")
    await badRequest(() => pb.createUserToken("alice", { ttlSeconds: 1.5 }), "ttlSeconds")
    await badRequest(() => pb.createUserToken("alice", { ttlSeconds: Number.NaN }), "ttlSeconds")
    expect(f.requests).toEqual([])
  })

  it("admin", async () => {
    const { f, admin } = setup()
    await badRequest(admin.createApp(""), "name")
    await badRequest(admin.createApp("n".repeat(101)), "name")
    await badRequest(admin.deleteApp(""), "appId")
    await badRequest(admin.rotateSecret(""), "appId")
    expect(f.requests).toEqual([])
  })

  it("client options", async () => {
    await badRequest(() => new PushBack({ url: URL_, secret: "no-dot" }), "secret")
    await badRequest(() => new PushBack({ url: URL_, secret: ".starts-with-dot" }), "secret")
    await badRequest(() => new PushBack({ url: URL_, secret: "app_x." }), "secret")
    await badRequest(() => new PushBack({ url: "localhost:8080", secret: SECRET }), "url")
    await badRequest(() => new PushBack({ url: "ftp://x", secret: SECRET }), "url")
    await badRequest(() => new PushBack({ url: URL_, secret: SECRET, timeoutMs: 0 }), "timeoutMs")
    await badRequest(() => new PushBack({ url: URL_, secret: SECRET, maxRetries: -1 }), "maxRetries")
    await badRequest(() => new PushBack({ url: URL_, secret: SECRET, maxRetries: 1.5 }), "maxRetries")
    await badRequest(() => PushBack.admin({ url: URL_, adminToken: "" }), "adminToken")
    await badRequest(() => PushBack.admin({ url: URL_, adminToken: "token\n" }), "adminToken")
    await badRequest(() => new PushBack({ url: URL_, secret: `${SECRET}\n` }), "secret")
  })
})
