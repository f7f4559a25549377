/**
 * Regressions found by the HTTP suite, each named after what broke.
 */
import { connect } from "node:net"
import { localToken, request, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, expect, it } from "vitest"
import { expectErrorShape } from "./helpers.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("regressions")
})

it("HEAD on a GET route answers like GET, without a body (was 404)", async () => {
  const res = await fetch(`${server.url}/v1/status/ping`, { method: "HEAD" })
  expect(res.status).toBe(200)
  expect(await res.text()).toBe("")
})

it("a user id with a lone UTF-16 surrogate is refused, not stored altered (was stored as U+FFFD)", async () => {
  const res = await request(server.url, "POST", "/v1/users", {
    token: app.secret,
    rawBody: '{"users":["x\\ud800y"]}'
  })
  expect(res.status).toBe(400)
  expect(expectErrorShape(res).details?.field).toBe("users.0")
  const list = await request<{ count: number }>(server.url, "GET", "/v1/users", { token: app.secret })
  expect(list.body.count).toBe(0)
})

it("an error message does not echo a huge offending value back in full", async () => {
  const res = await request(server.url, "POST", "/v1/users", {
    token: app.secret,
    body: { users: [{ id: "ok", email: "e".repeat(5000) }] }
  })
  expect(res.status).toBe(400)
  expect(expectErrorShape(res).message.length).toBeLessThan(400)
})

it("a malformed request target is a 400, not a 500", async () => {
  const socket = connect(server.port, "127.0.0.1")
  socket.write("GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
  let text = ""
  for await (const chunk of socket) text += String(chunk)
  expect(text).toMatch(/^HTTP\/1\.1 400/)
  expect(text).toContain('"code":"bad_request"')
})

it("a plain GET of /v1/ws explains it needs an upgrade (was a 404 'no route')", async () => {
  const res = await request(server.url, "GET", "/v1/ws")
  expect(res.status).toBe(400)
  expect(expectErrorShape(res).message).toContain("WebSocket")
})

it("minting a token registers the user, so their sessions can be seen (was 404)", async () => {
  const minted = await request(server.url, "POST", "/v1/tokens", {
    token: app.secret,
    body: { user: "newcomer" }
  })
  expect(minted.status).toBe(200)
  const user = await request<{ id: string; sessions: number }>(server.url, "GET", "/v1/users/newcomer", {
    token: app.secret
  })
  expect(user.status).toBe(200)
  expect(user.body).toMatchObject({ id: "newcomer", sessions: 0 })
})

// Found by the REST fuzz (issue 17): the SQLite statement bound numbered parameters, which
// better-sqlite3 refuses, so a typed broadcast was always a 500 and stored nothing.
it("a notify to every user with a type reaches those who did not opt out (was 500 on SQLite)", async () => {
  const typed = await server.newApp("regressions-typed-broadcast")
  const put = await request(server.url, "PUT", "/v1/event-types/news", {
    token: typed.secret,
    body: { title: "News" }
  })
  expect(put.status).toBe(200)
  await request(server.url, "POST", "/v1/users", {
    token: typed.secret,
    body: { users: ["ann", "ben", "cat"] }
  })
  const optOut = await request(server.url, "PUT", "/v1/me/preferences", {
    token: localToken(typed, "ben"),
    body: { types: { news: { inApp: false } } }
  })
  expect(optOut.status, optOut.text).toBe(200)
  const res = await request<{ recipients: number }>(server.url, "POST", "/v1/notify", {
    token: typed.secret,
    body: { type: "news", content: "to all" }
  })
  expect(res.status, res.text).toBe(202)
  expect(res.body.recipients).toBe(2)
})
