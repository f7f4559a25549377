/**
 * `GET /v1/me/counts` names, in a `PushBack-Cursor` header, the stream seq its counts reflect
 * (one snapshot), so a client can add exactly the stream entries after it — the body stays
 * exactly the contract's `{unseen, unread, total}`.
 */
import { request, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, expect, it } from "vitest"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("counts-cursor")
})

it("answers the seq the counts reflect in PushBack-Cursor, exposed to other origins", async () => {
  const token = await server.userToken(app, "cc")
  const empty = await request(server.url, "GET", "/v1/me/counts", { token })
  expect(empty.headers.get("pushback-cursor")).toBe("0")
  for (const content of ["a", "b", "c"]) {
    await request(server.url, "POST", "/v1/notify", { token: app.secret, body: { users: ["cc"], content } })
  }
  await request(server.url, "PATCH", "/v1/me/notifications", { token, body: { all: true, seen: true } })
  const res = await request(server.url, "GET", "/v1/me/counts", {
    token,
    headers: { origin: "https://elsewhere.example" }
  })
  expect(res.body).toEqual({ unseen: 0, unread: 3, total: 3 })
  expect(res.headers.get("pushback-cursor")).toBe("4")
  expect(res.headers.get("access-control-expose-headers")).toContain("PushBack-Cursor")
})
