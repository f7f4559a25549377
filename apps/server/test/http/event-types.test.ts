/**
 * Event types (PROTOCOL.md §3.2): declare (upsert), list, delete, validation, and how declared
 * types gate notify and appear in preferences.
 */
import { localToken, request, type TestApp, useServer } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { expectBadField, expectError, expectOk } from "./helpers.js"

const server = useServer()

interface EventType {
  name: string
  title: string
  description: string | null
}

const put = (app: TestApp, name: string, body: unknown) =>
  request<EventType>(server.url, "PUT", `/v1/event-types/${encodeURIComponent(name)}`, {
    token: app.secret,
    body
  })
const list = async (app: TestApp) =>
  expectOk(await request<{ types: EventType[] }>(server.url, "GET", "/v1/event-types", { token: app.secret }))
const del = (app: TestApp, name: string) =>
  request(server.url, "DELETE", `/v1/event-types/${encodeURIComponent(name)}`, { token: app.secret })

describe("PUT /v1/event-types/{name}", () => {
  it("declares a type: 200 the type {name, title, description}", async () => {
    const app = await server.newApp("types-put")
    const res = await put(app, "post_like", { title: "Post liked", description: "Someone liked a post" })
    expect(expectOk(res)).toEqual({
      name: "post_like",
      title: "Post liked",
      description: "Someone liked a post"
    })
    const types = await list(app)
    expect(Object.keys(types)).toEqual(["types"])
    expect(types.types).toEqual([
      { name: "post_like", title: "Post liked", description: "Someone liked a post" }
    ])
  })

  it("description is optional (null when omitted)", async () => {
    const app = await server.newApp("types-nodesc")
    expect(expectOk(await put(app, "comment", { title: "Comment" }))).toEqual({
      name: "comment",
      title: "Comment",
      description: null
    })
  })

  it("is an upsert: a second PUT updates title and description, no duplicate", async () => {
    const app = await server.newApp("types-upsert")
    expectOk(await put(app, "post_like", { title: "Old", description: "old" }))
    expect(expectOk(await put(app, "post_like", { title: "New", description: "new" }))).toMatchObject({
      name: "post_like",
      title: "New",
      description: "new"
    })
    expect((await list(app)).types).toEqual([{ name: "post_like", title: "New", description: "new" }])
  })

  it("lists several types", async () => {
    const app = await server.newApp("types-several")
    for (const name of ["a", "b.c", "d:e", "f-g", "H_9"])
      expectOk(await put(app, name, { title: `T ${name}` }))
    const names = (await list(app)).types.map((t) => t.name).sort()
    expect(names).toEqual(["H_9", "a", "b.c", "d:e", "f-g"].sort())
  })

  it("accepts a 64-character name and refuses a 65-character one with 400", async () => {
    const app = await server.newApp("types-long")
    expectOk(await put(app, "n".repeat(64), { title: "Long" }))
    expectError(await put(app, "n".repeat(65), { title: "Too long" }), 400, "bad_request")
    expect((await list(app)).types.map((t) => t.name)).toEqual(["n".repeat(64)])
  })

  it("refuses a missing, empty or non-string title and a non-string description: 400 naming the field", async () => {
    const app = await server.newApp("types-bad")
    expectBadField(await put(app, "x", {}), "title")
    expectBadField(await put(app, "x", { title: "" }), "title")
    expectBadField(await put(app, "x", { title: 5 }), "title")
    expectBadField(await put(app, "x", { title: "ok", description: 5 }), "description")
    expectError(await put(app, "x", []), 400, "bad_request")
    expectError(
      await request(server.url, "PUT", "/v1/event-types/x", { token: app.secret, rawBody: "{title" }),
      400,
      "bad_request"
    )
    expect((await list(app)).types).toEqual([])
  })
})

describe("DELETE /v1/event-types/{name}", () => {
  it("204; gone from the list; deleting again is 404", async () => {
    const app = await server.newApp("types-delete")
    expectOk(await put(app, "keep", { title: "Keep" }))
    expectOk(await put(app, "drop", { title: "Drop" }))
    const res = await del(app, "drop")
    expect(res.status, res.text).toBe(204)
    expect(res.text).toBe("")
    expect((await list(app)).types.map((t) => t.name)).toEqual(["keep"])
    expectError(await del(app, "drop"), 404, "not_found")
    expectError(await del(app, "never_declared"), 404, "not_found")
  })
})

describe("types and notify", () => {
  it("a deleted type is refused by notify while other types are declared; with none declared any type goes", async () => {
    const app = await server.newApp("types-notify")
    expectOk(await put(app, "one", { title: "One" }))
    expectOk(await put(app, "two", { title: "Two" }))
    await server.notify(app, { users: ["u"], type: "two", content: "x" })
    expect((await del(app, "two")).status).toBe(204)
    expectBadField(
      await request(server.url, "POST", "/v1/notify", {
        token: app.secret,
        body: { users: ["u"], type: "two", content: "x" }
      }),
      "type"
    )
    expect((await del(app, "one")).status).toBe(204)
    await server.notify(app, { users: ["u"], type: "two", content: "y" })
    await server.notify(app, { users: ["u"], type: "whatever", content: "z" })
  })

  it("a type name that is not a valid name is refused by notify with 400 naming `type`", async () => {
    const app = await server.newApp("types-notify-badname")
    expectBadField(
      await request(server.url, "POST", "/v1/notify", {
        token: app.secret,
        body: { users: ["u"], type: 42, content: "x" }
      }),
      "type"
    )
  })
})

describe("types and preferences", () => {
  it("declared types appear in a user's preferences, enabled in-app by default", async () => {
    const app = await server.newApp("types-prefs")
    expectOk(await put(app, "post_like", { title: "Like" }))
    expectOk(await put(app, "comment", { title: "Comment" }))
    const prefs = expectOk(
      await request<{ types: Record<string, { inApp: boolean; email: boolean }> }>(
        server.url,
        "GET",
        "/v1/me/preferences",
        { token: localToken(app, "u1") }
      )
    )
    expect(Object.keys(prefs.types).sort()).toEqual(["comment", "post_like"])
    for (const channels of Object.values(prefs.types)) {
      expect(channels.inApp).toBe(true)
      expect(typeof channels.email).toBe("boolean")
    }
  })
})
