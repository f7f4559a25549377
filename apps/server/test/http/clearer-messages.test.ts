/**
 * Messages that say what to fix (issue 26, PROTOCOL.md §16): a credential sent without `Bearer`
 * is told the scheme is missing; an app secret (or the admin token) where a user token belongs
 * is told so, not "malformed user token"; an unknown WebSocket frame type gets an `error` frame
 * naming it before the 4400 close; malformed JSON says where; `pushback --help` lists every
 * option of `serve`.
 */
import { CLI_PATH, connectWs, localToken, request, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { command } from "../../../../scripts/vitest/command.mjs"
import { expectError } from "./helpers.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("messages")
  await server.registerUsers(app, ["alice"])
})

const raw = (path: string, authorization: string, method = "GET", body?: string) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body })
  }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as { error: { code: string; message: string } }
  }))

describe("credentials of the wrong form or kind", () => {
  it("a secret without Bearer is told the scheme is missing, on every kind of endpoint", async () => {
    for (const [path, credential] of [
      ["/v1/users", app.secret],
      ["/v1/apps", server.adminToken],
      ["/v1/me/counts", localToken(app, "alice")]
    ] as const) {
      const res = await raw(path, credential)
      expect(res.status, path).toBe(401)
      expect(res.body.error.code).toBe("unauthorized")
      expect(res.body.error.message, path).toBe(
        "the Authorization header has no scheme: send `Authorization: Bearer <credential>`"
      )
      // the credential itself is never echoed
      expect(res.body.error.message).not.toContain(credential.slice(0, 12))
    }
    const basic = await raw("/v1/users", "Basic YTpi")
    expect(basic.body.error.message).toBe(
      "the Authorization header uses the Basic scheme: send `Authorization: Bearer <credential>`"
    )
    // still "required" when there is no header at all
    const none = await request(server.url, "GET", "/v1/users")
    expect(expectError(none, 401, "unauthorized").message).toBe("an app secret is required")
  })

  it("an app secret or the admin token on /v1/me/* is told a user token belongs there", async () => {
    const secret = await request(server.url, "GET", "/v1/me/counts", { token: app.secret })
    expect(expectError(secret, 401, "unauthorized").message).toMatch(
      /^an app secret was sent where a user token belongs/
    )
    const admin = await request(server.url, "GET", "/v1/me/notifications", { token: server.adminToken })
    expect(expectError(admin, 401, "unauthorized").message).toMatch(
      /^the admin token was sent where a user token belongs/
    )
    const garbage = await request(server.url, "GET", "/v1/me/counts", { token: "garbage" })
    expect(expectError(garbage, 401, "unauthorized").message).toBe("malformed user token")
  })
})

describe("malformed JSON", () => {
  it("says at which line, column and position it stops being JSON", async () => {
    const res = await raw("/v1/users", `Bearer ${app.secret}`, "POST", '{"users": ["a",\n  "b",]}')
    expect(res.status).toBe(400)
    expect(res.body.error.message).toMatch(/^body: malformed JSON at line 2, column 7 \(position 22\): /)
    const cut = await raw("/v1/users", `Bearer ${app.secret}`, "POST", '{"users": [')
    expect(cut.body.error.message).toBe(
      "body: malformed JSON at line 1, column 12 (position 11): the body ends; expected a value"
    )
  })
})

describe("WebSocket frames", () => {
  it("an unknown frame type gets an error frame naming it, then 4400", async () => {
    const token = await server.userToken(app, "alice")
    const client = await connectWs(`${server.wsUrl}/v1/ws?token=${token}`)
    await client.next((f) => f.type === "welcome")
    client.send({ type: "watch", channel: "x" })
    const error = await client.next((f) => f.type === "error")
    expect(error).toEqual({
      type: "error",
      code: "bad_request",
      message:
        'unknown frame type "watch"; client frames are hello, seen, read, delete, unseen, page, ping, typing, subscribe, unsubscribe, publish, presence'
    })
    const closed = await client.closed
    expect(closed.code).toBe(4400)
    expect(closed.reason).toMatch(/^unknown frame type "watch"/)
  })

  it("a known type with a bad field names the field; a first frame that is not hello says so", async () => {
    const token = await server.userToken(app, "alice")
    const client = await connectWs(`${server.wsUrl}/v1/ws?token=${token}`)
    await client.next((f) => f.type === "welcome")
    client.send({ type: "seen", ids: "n1", ref: "r" })
    const error = (await client.next((f) => f.type === "error")) as { message: string }
    expect(error.message).toMatch(/^malformed seen frame: ids: must be an array/)
    expect((await client.closed).code).toBe(4400)
    const early = await connectWs(`${server.wsUrl}/v1/ws`)
    early.send({ type: "helo", token })
    const first = (await early.next((f) => f.type === "error")) as { message: string }
    expect(first.message).toBe(
      'the first frame must be hello; unknown frame type "helo"; client frames are hello, seen, read, delete, unseen, page, ping, typing, subscribe, unsubscribe, publish, presence'
    )
    expect((await early.closed).code).toBe(4400)
  })
})

describe("pushback --help", () => {
  it("lists every option of serve, --redis and --smtp included", async () => {
    const help = await command(process.execPath, [CLI_PATH, "--help"])
    expect(help.status).toBe(0)
    for (const option of ["--port", "--host", "--db", "--redis", "--smtp", "--config", "--local"]) {
      expect(help.stdout).toContain(option)
    }
  })
})
