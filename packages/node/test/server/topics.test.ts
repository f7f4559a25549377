/**
 * `pushBack.topics` against the real, built server: a topic created, subscribed to, listed,
 * notified (each subscriber once, the topic named on their notification), and removed; bad
 * keys refused before anything is sent.
 */
import { type TestServer, startServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PushBack, PushBackError } from "../../src/index.js"

let server: TestServer
let pb: PushBack

beforeAll(async () => {
  server = await startServer()
  const app = await PushBack.admin({ url: server.url, adminToken: server.adminToken }).createApp("sdk-topics")
  pb = new PushBack({ url: server.url, secret: app.secret })
}, 60_000)

afterAll(async () => {
  await server?.dispose()
})

describe("topics", () => {
  it("put, subscribe, list, notify through, unsubscribe and delete", async () => {
    const topic = await pb.topics.put("project:42", { name: "Project 42" })
    expect(topic).toMatchObject({
      key: "project:42",
      name: "Project 42",
      selfSubscribe: false,
      subscribers: 0
    })
    expect(await pb.topics.put("project:42", { selfSubscribe: true })).toMatchObject({
      name: "Project 42",
      selfSubscribe: true
    })
    expect(await pb.topics.subscribe("project:42", ["ann", { id: "bo", email: "bo@example.com" }])).toEqual({
      added: 2
    })
    expect(await pb.topics.subscribers("project:42", { limit: 1 })).toEqual({ count: 2, results: ["ann"] })
    expect((await pb.topics.list({ prefix: "project:" })).results.map((t) => t.key)).toEqual(["project:42"])
    expect(await pb.topics.ofUser("bo")).toEqual(["project:42"])
    expect((await pb.getUser("bo")).email).toBe("bo@example.com")

    const sent = await pb.notify({ topics: ["project:42"], exclude: ["ann"], content: "hello" })
    expect(sent.recipients).toBe(1)
    const inbox = await pb.listNotifications("bo")
    expect(inbox.results.map((n) => [n.content, n.topic])).toEqual([["hello", "project:42"]])

    expect(await pb.topics.unsubscribe("project:42", ["ann", "zed"])).toEqual({ removed: 1 })
    expect((await pb.topics.get("project:42")).subscribers).toBe(1)
    await pb.topics.delete("project:42")
    const gone = await pb.topics.get("project:42").catch((e: unknown) => e)
    expect(gone).toBeInstanceOf(PushBackError)
    expect((gone as PushBackError).status).toBe(404)
  })

  it("refuses a bad key or an unknown topic before or from the server, clearly", async () => {
    const bad = await pb.topics.put("has space").catch((e: unknown) => e)
    expect(bad).toMatchObject({ status: 400, code: "bad_request" })
    const unknown = await pb.notify({ topics: ["ghost"], content: "x" }).catch((e: unknown) => e)
    expect(unknown).toMatchObject({ status: 404, code: "not_found" })
    expect((unknown as PushBackError).message).toContain("ghost")
  })
})
