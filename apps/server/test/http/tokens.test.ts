/**
 * POST /v1/tokens (PROTOCOL.md §2, §3.2, §5): user tokens minted by the server are HS256 JWTs
 * signed with the app secret, with claims {app, sub, iat, exp}; lifetime 1 h by default, 1 s to 24 h.
 */
import { createHmac } from "node:crypto"
import { nowSeconds, request, sleep, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { decodeJwt, expectBadField, expectError, expectOk, ISO_UTC } from "./helpers.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("tokens")
})

const mint = (body: unknown) =>
  request<{ token: string; expiresAt: string }>(server.url, "POST", "/v1/tokens", { token: app.secret, body })

describe("POST /v1/tokens", () => {
  it("answers {token, expiresAt}; the token is an HS256 JWT over the app secret with {app, sub, iat, exp}", async () => {
    const before = nowSeconds()
    const answer = expectOk(await mint({ user: "alice" }))
    const after = nowSeconds()
    expect(Object.keys(answer).sort()).toEqual(["expiresAt", "token"])
    const jwt = decodeJwt(answer.token)
    expect(jwt.header).toEqual({ alg: "HS256", typ: "JWT" })
    expect(jwt.claims).toMatchObject({ app: app.id, sub: "alice" })
    const { iat, exp } = jwt.claims as { iat: number; exp: number }
    expect(Number.isInteger(iat)).toBe(true)
    expect(Number.isInteger(exp)).toBe(true)
    expect(iat).toBeGreaterThanOrEqual(before - 1)
    expect(iat).toBeLessThanOrEqual(after + 1)
    // default lifetime: 1 h
    expect(exp - iat).toBe(3600)
    const expected = createHmac("sha256", app.secret).update(jwt.signingInput).digest("base64url")
    expect(jwt.signature).toBe(expected)
    // expiresAt is exp as an ISO-8601 UTC time
    expect(answer.expiresAt).toMatch(ISO_UTC)
    expect(Math.abs(Date.parse(answer.expiresAt) - exp * 1000)).toBeLessThan(1000)
  })

  it("the minted token works on the user API", async () => {
    const { token } = expectOk(await mint({ user: "bob" }))
    expect(expectOk(await request(server.url, "GET", "/v1/me/counts", { token }))).toEqual({
      unseen: 0,
      unread: 0,
      total: 0
    })
  })

  it("ttlSeconds sets the lifetime, from 1 to 86400", async () => {
    for (const ttl of [1, 60, 86_400]) {
      const answer = expectOk(await mint({ user: "alice", ttlSeconds: ttl }))
      const { iat, exp } = decodeJwt(answer.token).claims as { iat: number; exp: number }
      expect(exp - iat).toBe(ttl)
      expect(Math.abs(Date.parse(answer.expiresAt) - exp * 1000)).toBeLessThan(1000)
    }
  })

  it("refuses ttlSeconds outside 1..86400 or not a number: 400 naming ttlSeconds", async () => {
    for (const ttlSeconds of [0, -1, 86_401, 10 ** 9, "3600", null]) {
      expectBadField(await mint({ user: "alice", ttlSeconds }), "ttlSeconds")
    }
  })

  it("refuses a missing, empty, non-string or 129-character user: 400 naming user", async () => {
    expectBadField(await mint({}), "user")
    expectBadField(await mint({ user: "" }), "user")
    expectBadField(await mint({ user: 42 }), "user")
    expectBadField(await mint({ user: "u".repeat(129) }), "user")
    expectOk(await mint({ user: "u".repeat(128) }))
  })

  it("refuses a malformed body with 400", async () => {
    expectError(
      await request(server.url, "POST", "/v1/tokens", { token: app.secret, rawBody: '{"user":' }),
      400,
      "bad_request"
    )
    expectError(await mint("alice"), 400, "bad_request")
    expectError(await mint(["alice"]), 400, "bad_request")
  })

  it("a token whose lifetime is over is refused with 401", async () => {
    const answer = expectOk(await mint({ user: "shortlived", ttlSeconds: 1 }))
    const { exp } = decodeJwt(answer.token).claims as { exp: number }
    // wait until the expiry second is over, with a margin
    while (Date.now() < (exp + 1) * 1000 + 100) await sleep(100)
    expectError(
      await request(server.url, "GET", "/v1/me/counts", { token: answer.token }),
      401,
      "unauthorized"
    )
  })
})
