/**
 * The seeds' backend calls (PROTOCOL.md §9) sent as their own READMEs send them — JSON and form
 * bodies, `X-AUTH-TOKEN`, `app_token`, numeric ids — and their effect checked through the v1
 * API and a live WebSocket; bad input on each path is the v1 error body and stores nothing.
 * Also `author` on notify and Notification, and the script-tag build at its two URLs.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import {
  connectWs,
  createApp,
  request,
  type TestApp,
  type TestServer,
  userToken,
  type WsClient
} from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startMailingServer } from "../email/helpers.js"
import { type SmtpCatcher, startSmtp } from "../email/smtp.js"
import { expectError } from "../http/helpers.js"

let server: TestServer
let smtp: SmtpCatcher
let app: TestApp
let other: TestApp

beforeAll(async () => {
  smtp = await startSmtp()
  server = await startMailingServer(smtp.url)
  app = await createApp(server, "seeds")
  other = await createApp(server, "other")
})
afterAll(async () => {
  await server.dispose()
  await smtp.stop()
})

/** A raw request with a body as given (a form, or JSON text) and the seed's headers. */
const send = (method: string, path: string, body: string | undefined, headers: Record<string, string> = {}) =>
  request(server.url, method, path, { ...(body === undefined ? {} : { rawBody: body }), headers })

const form = (fields: Record<string, string | Array<string>>) => {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) params.append(k, one)
  return params.toString()
}
const FORM = { "content-type": "application/x-www-form-urlencoded" }
const JSON_TYPE = { "content-type": "application/json" }

/** The user's v1 inbox, newest first. */
const inbox = async (user: string, of: TestApp = app) => {
  const res = await request<{ count: number; results: Array<Record<string, unknown>> }>(
    server.url,
    "GET",
    "/v1/me/notifications",
    { token: await userToken(server, of, user) }
  )
  return res.body
}

/** What the app has stored: users and notifications (to check that a refused call stored nothing). */
const stored = async () => {
  const res = await request<{ users: number; notifications: number }>(server.url, "GET", "/v1/stats", {
    token: app.secret
  })
  return { users: res.body.users, notifications: res.body.notifications }
}

const live = async (user: string): Promise<WsClient> => {
  const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${await userToken(server, app, user)}`)
  await ws.next((f) => f.type === "welcome")
  return ws
}

const content = (f: Record<string, unknown>) => (f["notification"] as { content: unknown }).content

describe("PushBack (Django)", () => {
  it("registers numeric and text ids with app_token in a form, and in JSON", async () => {
    const res = await send(
      "POST",
      "/api/v1/register/",
      form({ users: ["101", "102"], app_token: app.secret }),
      FORM
    )
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ registered: 2 })
    const json = await send(
      "POST",
      "/api/v1/register/",
      JSON.stringify({ users: [103, "dj-ann"], app_token: app.secret }),
      JSON_TYPE
    )
    expect(json.body).toEqual({ registered: 2 })
    for (const id of ["101", "102", "103", "dj-ann"]) {
      const user = await request(server.url, "GET", `/v1/users/${id}`, { token: app.secret })
      expect(user.status, id).toBe(200)
    }
  })

  it("notifies from a form with any text content, to a live session", async () => {
    const ws = await live("101")
    const res = await send(
      "POST",
      "/api/v1/notify/",
      form({ users: ["101", "102"], content: "Hello <b>there</b>", app_token: app.secret }),
      FORM
    )
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ recipients: 2, online: 1 })
    const frame = await ws.next((f) => f.type === "notification")
    expect(content(frame)).toBe("Hello <b>there</b>")
    expect((await inbox("102")).results[0]).toMatchObject({ content: "Hello <b>there</b>", author: null })
    await ws.close()
  })

  it("notifies from JSON with numeric ids and the secret as a bearer", async () => {
    const res = await request(server.url, "POST", "/api/v1/notify/", {
      token: app.secret,
      body: { users: [103], content: { text: "json" } }
    })
    expect(res.status).toBe(202)
    expect((await inbox("103")).results[0]?.["content"]).toEqual({ text: "json" })
  })

  it("refuses bad input with the v1 error body and stores nothing", async () => {
    const before = await stored()
    const cases: Array<[string, Record<string, string>, number, string]> = [
      [form({ users: ["x1"], content: "c" }), FORM, 401, "unauthorized"],
      [
        form({ users: ["x1"], content: "c", app_token: `${app.id}.${"A".repeat(43)}` }),
        FORM,
        401,
        "unauthorized"
      ],
      [
        form({ users: ["x1"], content: "c", app_token: other.secret.slice(0, -1) }),
        FORM,
        401,
        "unauthorized"
      ],
      ['{"users": ["x1"], "content": "c", "app_token": ', JSON_TYPE, 400, "bad_request"],
      ["users=x1&content=%E0%A4%A&app_token=x", FORM, 400, "bad_request"],
      [JSON.stringify({ users: "x1", content: "c", app_token: app.secret }), JSON_TYPE, 400, "bad_request"],
      [
        JSON.stringify({ users: [{ nope: 1 }], content: "c", app_token: app.secret }),
        JSON_TYPE,
        400,
        "bad_request"
      ],
      [JSON.stringify({ users: ["x1"], app_token: app.secret }), JSON_TYPE, 400, "bad_request"],
      [form({ users: "[1, 2", content: "c", app_token: app.secret }), FORM, 400, "bad_request"]
    ]
    for (const [body, headers, status, code] of cases) {
      expectError(await send("POST", "/api/v1/notify/", body, headers), status, code)
    }
    expectError(
      await send("POST", "/api/v1/register/", JSON.stringify({ users: 7, app_token: app.secret }), JSON_TYPE),
      400,
      "bad_request"
    )
    expectError(await send("POST", "/api/v1/register/", form({ users: ["r1"] }), FORM), 401, "unauthorized")
    expect(await stored()).toEqual(before)
  })

  it("serves the script-tag build at /pushback.js and /static/core/js/pusher.js", async () => {
    const built = readFileSync(createRequire(import.meta.url).resolve("@pushback/browser/global"), "utf8")
    for (const path of ["/pushback.js", "/static/core/js/pusher.js"]) {
      const res = await fetch(server.url + path)
      expect(res.status).toBe(200)
      expect(res.headers.get("content-type")).toMatch(/^text\/javascript/)
      expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/)
      expect(await res.text()).toBe(built)
    }
  })
})

describe("notification-socket.io", () => {
  it("registers a numeric user with X-AUTH-TOKEN and answers a user token that opens a session", async () => {
    const res = await send("PUT", "/api/42/register?connectionId=abc123", undefined, {
      "x-auth-token": app.secret
    })
    expect(res.status).toBe(200)
    const { token, expiresAt } = res.body as { token: string; expiresAt: string }
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now())
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${token}`)
    expect((await ws.next((f) => f.type === "welcome"))["user"]).toBe("42")
    await ws.close()
  })

  it("pushes {message: {title, body, params}} as JSON and as a form", async () => {
    const ws = await live("42")
    const res = await send(
      "POST",
      "/api/42/push",
      JSON.stringify({ message: { title: "Build", body: "passed", params: { run: 7 } } }),
      { ...JSON_TYPE, "x-auth-token": app.secret }
    )
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ recipients: 1, online: 1 })
    const frame = await ws.next((f) => f.type === "notification")
    expect(frame["notification"]).toMatchObject({ title: "Build", content: "passed", data: { run: 7 } })
    const viaForm = await send(
      "POST",
      "/api/42/push",
      form({ "message[title]": "Form", "message[body]": "sent", app_token: app.secret }),
      FORM
    )
    expect(viaForm.status).toBe(202)
    expect((await inbox("42")).results[0]).toMatchObject({ title: "Form", content: "sent", data: null })
    await ws.close()
  })

  it("answers /api/status/ping and /api/status/info as /v1/status/*", async () => {
    expect((await request(server.url, "GET", "/api/status/ping")).body).toEqual({ ok: true })
    const info = await request(server.url, "GET", "/api/status/info")
    expect(info.body).toEqual((await request(server.url, "GET", "/v1/status/info")).body)
  })

  it("refuses bad input with the v1 error body and stores nothing", async () => {
    const before = await stored()
    const auth = { "x-auth-token": app.secret }
    expectError(await send("PUT", "/api/77/register?connectionId=c", undefined), 401, "unauthorized")
    expectError(
      await send("PUT", "/api/77/register", undefined, { "x-auth-token": "nope" }),
      401,
      "unauthorized"
    )
    expectError(await send("PUT", `/api/${"x".repeat(129)}/register`, undefined, auth), 400, "bad_request")
    const push = (body: string, headers: Record<string, string>) =>
      send("POST", "/api/77/push", body, headers)
    expectError(await push(JSON.stringify({ message: { body: "b" } }), JSON_TYPE), 401, "unauthorized")
    expectError(await push('{"message": {', { ...JSON_TYPE, ...auth }), 400, "bad_request")
    expectError(await push(JSON.stringify({ message: "hi" }), { ...JSON_TYPE, ...auth }), 400, "bad_request")
    expectError(
      await push(JSON.stringify({ message: { title: "no body" } }), { ...JSON_TYPE, ...auth }),
      400,
      "bad_request"
    )
    expectError(await push(form({ message: "{oops" }), { ...FORM, ...auth }), 400, "bad_request")
    expect(await stored()).toEqual(before)
  })
})

describe("webservice-notification", () => {
  it("notifies users given as a JSON string of {id, email} in a form, keeping their addresses", async () => {
    const ws = await live("ws-1")
    const users = JSON.stringify([
      { id: "ws-1", email: "one@example.com" },
      { id: 502, email: "two@example.com" }
    ])
    const res = await send(
      "POST",
      "/notify",
      form({
        title: "Invoice",
        content: "Your invoice is ready",
        url: "https://example.com/i/1",
        users,
        email_send: "true",
        email_subject: "Invoice ready",
        email_content: "<p>ready</p>",
        email_mime: "1.0",
        email_type: "text/html"
      }),
      { ...FORM, "x-auth-token": app.secret }
    )
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ recipients: 2, online: 1, emails: 1 })
    // one message, the offline recipient in its Bcc (the online one is not emailed: email_send)
    const mail = await smtp.waitFor((m) => m.mail.subject === "Invoice ready")
    expect(mail.rcptTo).toContain("two@example.com")
    expect(mail.rcptTo).not.toContain("one@example.com")
    expect(mail.mail.headers.get("bcc")).toBeUndefined()
    expect(mail.mail.html).toContain("<p>ready</p>")
    expect(smtp.messages.filter((m) => m.mail.subject === "Invoice ready")).toHaveLength(1)
    expect((await ws.next((f) => f.type === "notification"))["notification"]).toMatchObject({
      title: "Invoice",
      content: "Your invoice is ready",
      url: "https://example.com/i/1"
    })
    const two = await request<{ email: string }>(server.url, "GET", "/v1/users/502", { token: app.secret })
    expect(two.body.email).toBe("two@example.com")
    await ws.close()
  })

  it("takes users as a JSON array and the secret as a bearer", async () => {
    const res = await request(server.url, "POST", "/notify", {
      token: app.secret,
      body: { content: "arr", users: [{ id: "ws-3", email: "three@example.com" }], email_send: false }
    })
    expect(res.status).toBe(202)
    expect((await inbox("ws-3")).results[0]?.["content"]).toBe("arr")
  })

  it("refuses bad input with the v1 error body and stores nothing", async () => {
    const before = await stored()
    const auth = { ...FORM, "x-auth-token": app.secret }
    const post = (fields: Record<string, string>, headers: Record<string, string> = auth) =>
      send("POST", "/notify", form(fields), headers)
    expectError(await post({ content: "c", users: '["z1"]' }, FORM), 401, "unauthorized")
    expectError(await post({ content: "c", users: "[z1" }), 400, "bad_request")
    expectError(await post({ content: "c", users: '{"id": "z1"}' }), 400, "bad_request")
    expectError(await post({ content: "c", users: '["z1"]', email_send: "maybe" }), 400, "bad_request")
    expectError(await post({ content: "c", users: '["z1"]', email_mime: "2.0" }), 400, "bad_request")
    expectError(await post({ content: "c", users: '["z1"]', email_type: "image/png" }), 400, "bad_request")
    expectError(await post({ users: '["z1"]' }), 400, "bad_request")
    // JSON values a form cannot carry: an object whose toString is not a function (found by the
    // REST fuzz; String() of it threw, a 500), and a type named like an Object.prototype member.
    const json = { ...JSON_TYPE, "x-auth-token": app.secret }
    for (const extra of [
      { email_force: { toString: {} } },
      { email_send: [] },
      { email_mime: { toString: {} } },
      { email_type: "constructor" },
      { email_type: { toString: {} } }
    ]) {
      const body = JSON.stringify({ content: "c", users: ["z1"], ...extra })
      expectError(await send("POST", "/notify", body, json), 400, "bad_request")
    }
    expectError(
      await send("POST", "/notify", '{"content": "c", "users": [', {
        ...JSON_TYPE,
        "x-auth-token": app.secret
      }),
      400,
      "bad_request"
    )
    expect(await stored()).toEqual(before)
  })
})

describe("author", () => {
  it("is stored with a v1 notify and returned on the list, the stream and the seed shapes", async () => {
    const ws = await live("au-1")
    const res = await request(server.url, "POST", "/v1/notify", {
      token: app.secret,
      body: { users: ["au-1"], content: "liked", author: "bob" }
    })
    expect(res.status).toBe(202)
    expect(
      ((await ws.next((f) => f.type === "notification"))["notification"] as { author: unknown }).author
    ).toBe("bob")
    expect((await inbox("au-1")).results[0]?.["author"]).toBe("bob")
    await ws.close()
    const bad = await request(server.url, "POST", "/v1/notify", {
      token: app.secret,
      body: { users: ["au-1"], content: "x", author: "" }
    })
    expect(expectError(bad, 400, "bad_request").details).toEqual({ field: "author" })
    expect((await inbox("au-1")).count).toBe(1)
  })
})
