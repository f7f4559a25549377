/**
 * The authentication matrix (PROTOCOL.md §2, §3.5): every credential that is missing,
 * malformed, forged, expired, of another app or of the wrong kind is 401 `unauthorized`,
 * and a refused request changes nothing.
 */
import {
  connectWs,
  localToken,
  nowSeconds,
  request,
  signJwt,
  type TestApp,
  useServer
} from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { expectError, expectOk, inbox, stats } from "./helpers.js"

const server = useServer()
let a: TestApp
let b: TestApp
let aliceToken: string
let notificationId: string

beforeAll(async () => {
  a = await server.newApp("auth-a")
  b = await server.newApp("auth-b")
  await server.registerUsers(a, ["alice", "bob"])
  await server.registerUsers(b, ["alice", "carol"])
  await server.notify(a, { users: ["alice"], content: "for alice" })
  aliceToken = localToken(a, "alice")
  notificationId = (await inbox(server.url, aliceToken)).results[0]!.id
})

type Endpoint = { method: string; path: () => string; body?: unknown }

const operatorEndpoints: Endpoint[] = [
  { method: "GET", path: () => "/v1/apps" },
  { method: "POST", path: () => "/v1/apps", body: { name: "sneaky" } },
  { method: "DELETE", path: () => `/v1/apps/${a.id}` },
  { method: "POST", path: () => `/v1/apps/${a.id}/secret` }
]

const backendEndpoints: Endpoint[] = [
  { method: "POST", path: () => "/v1/users", body: { users: ["mallory"] } },
  { method: "GET", path: () => "/v1/users" },
  { method: "GET", path: () => "/v1/users/alice" },
  { method: "DELETE", path: () => "/v1/users/bob" },
  { method: "POST", path: () => "/v1/notify", body: { users: ["alice"], content: "spoofed" } },
  { method: "POST", path: () => "/v1/tokens", body: { user: "alice" } },
  { method: "PUT", path: () => "/v1/event-types/sneaky", body: { title: "Sneaky" } },
  { method: "GET", path: () => "/v1/event-types" },
  { method: "DELETE", path: () => "/v1/event-types/sneaky" },
  { method: "GET", path: () => "/v1/users/alice/notifications" },
  { method: "GET", path: () => "/v1/stats" }
]

const userEndpoints: Endpoint[] = [
  { method: "GET", path: () => "/v1/me/notifications" },
  { method: "GET", path: () => `/v1/me/notifications/${notificationId}` },
  { method: "PATCH", path: () => `/v1/me/notifications/${notificationId}`, body: { read: true } },
  { method: "PATCH", path: () => "/v1/me/notifications", body: { all: true, read: true } },
  { method: "DELETE", path: () => `/v1/me/notifications/${notificationId}` },
  { method: "GET", path: () => "/v1/me/counts" },
  { method: "GET", path: () => "/v1/me/preferences" },
  { method: "PUT", path: () => "/v1/me/preferences", body: { types: { x: { inApp: false } } } }
]

const allEndpoints = [...operatorEndpoints, ...backendEndpoints, ...userEndpoints]

/** Everything a refused request could have changed, as seen with the right credentials. */
const snapshot = async () => {
  const apps = expectOk(
    await request<{ apps: Array<{ id: string }> }>(server.url, "GET", "/v1/apps", {
      token: server.adminToken
    })
  )
  const usersA = expectOk(await request(server.url, "GET", "/v1/users", { token: a.secret }))
  const usersB = expectOk(await request(server.url, "GET", "/v1/users", { token: b.secret }))
  const typesA = expectOk(await request(server.url, "GET", "/v1/event-types", { token: a.secret }))
  const prefs = expectOk(await request(server.url, "GET", "/v1/me/preferences", { token: aliceToken }))
  return {
    apps: apps.apps.map((x) => x.id).sort(),
    usersA,
    usersB,
    typesA,
    prefs,
    inbox: await inbox(server.url, aliceToken),
    statsA: await stats(server.url, a),
    statsB: await stats(server.url, b)
  }
}

/** Sends every endpoint with `headers` and expects 401 unauthorized; then nothing changed. */
const expectRefusedEverywhere = async (
  endpoints: Endpoint[],
  headers: Record<string, string> | undefined,
  label: string
) => {
  const before = await snapshot()
  for (const e of endpoints) {
    const res = await request(server.url, e.method, e.path(), {
      ...(headers ? { headers } : {}),
      ...(e.body === undefined ? {} : { body: e.body })
    })
    expect(res.status, `${label}: ${e.method} ${e.path()} → ${res.status} ${res.text}`).toBe(401)
    expectError(res, 401, "unauthorized")
  }
  expect(await snapshot(), `${label} changed stored data`).toEqual(before)
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/**
 * Sends each case's headers to every endpoint: a 401 whose message matches the case, never
 * echoing the admin token; `more` adds a check of the message.
 */
const expectRefusalMessages = async (
  endpoints: Endpoint[],
  cases: Array<[string, Record<string, string> | undefined, RegExp]>,
  more: (label: string, message: string) => void = () => {}
) => {
  for (const [label, headers, message] of cases) {
    for (const e of endpoints) {
      const res = await request(server.url, e.method, e.path(), {
        ...(headers ? { headers } : {}),
        ...(e.body === undefined ? {} : { body: e.body })
      })
      const error = expectError(res, 401, "unauthorized")
      expect(error.message, `${label}: ${e.method} ${e.path()}`).toMatch(message)
      more(label, error.message)
      expect(error.message).not.toContain(server.adminToken)
    }
  }
}

describe("controls: the right credential is accepted", () => {
  it("admin token on operator, app secret on backend, a hand-signed user token on /v1/me", async () => {
    expectOk(await request(server.url, "GET", "/v1/apps", { token: server.adminToken }))
    expectOk(await request(server.url, "GET", "/v1/users", { token: a.secret }))
    expectOk(await request(server.url, "GET", "/v1/me/counts", { token: aliceToken }))
    // a token without the optional `typ` header, as another JWT library may make
    const iat = nowSeconds()
    const noTyp = signJwt({ app: a.id, sub: "alice", iat, exp: iat + 60 }, a.secret, { alg: "HS256" })
    expectOk(await request(server.url, "GET", "/v1/me/counts", { token: noTyp }))
  })
})

describe("no or malformed credential → 401 on every endpoint", () => {
  it("no Authorization header", async () => {
    await expectRefusedEverywhere(allEndpoints, undefined, "no credential")
  })

  it("garbage bearer token", async () => {
    await expectRefusedEverywhere(allEndpoints, bearer("garbage"), "garbage")
  })

  it("empty bearer token", async () => {
    await expectRefusedEverywhere(allEndpoints, { authorization: "Bearer " }, "empty bearer")
  })

  it("the right credential without the `Bearer` scheme", async () => {
    await expectRefusedEverywhere(operatorEndpoints, { authorization: server.adminToken }, "admin token bare")
    await expectRefusedEverywhere(backendEndpoints, { authorization: a.secret }, "secret bare")
    await expectRefusedEverywhere(userEndpoints, { authorization: aliceToken }, "user token bare")
  })

  it("the right credential under another scheme (Basic)", async () => {
    await expectRefusedEverywhere(
      backendEndpoints,
      { authorization: `Basic ${Buffer.from(`${a.id}:${a.secret}`).toString("base64")}` },
      "basic"
    )
    await expectRefusedEverywhere(userEndpoints, { authorization: `Basic ${aliceToken}` }, "basic token")
  })
})

describe("wrong secrets → 401", () => {
  it("a secret with the right app id but wrong random part", async () => {
    const fake = `${a.id}.${"A".repeat(43)}`
    await expectRefusedEverywhere(backendEndpoints, bearer(fake), "fake secret")
  })

  it("the app id alone, or the secret with a character changed", async () => {
    await expectRefusedEverywhere(backendEndpoints, bearer(a.id), "app id")
    const last = a.secret.at(-1) === "A" ? "B" : "A"
    await expectRefusedEverywhere(backendEndpoints, bearer(a.secret.slice(0, -1) + last), "altered secret")
    await expectRefusedEverywhere(backendEndpoints, bearer(a.secret.slice(0, -1)), "truncated secret")
  })

  it("a wrong admin token on operator endpoints", async () => {
    await expectRefusedEverywhere(operatorEndpoints, bearer(`${server.adminToken}x`), "wrong admin")
  })

  // PROTOCOL.md §10. It used to answer "an admin token is required" to a wrong one too.
  it("the 401 of an operator endpoint says whether the token was missing, wrong or of another kind", async () => {
    const cases: Array<[string, Record<string, string> | undefined, RegExp]> = [
      ["none", undefined, /admin token is required/],
      ["wrong", bearer(`${server.adminToken}x`), /^wrong admin token$/],
      ["an app secret", bearer(a.secret), /app secret.*admin token/],
      ["a user token", bearer(aliceToken), /user token.*admin token/]
    ]
    await expectRefusalMessages(operatorEndpoints, cases, (label, message) => {
      if (label !== "none") expect(message, label).not.toContain("required")
    })
  })

  it("the 401 of a backend endpoint says whether the secret was missing, malformed or another kind of credential", async () => {
    const cases: Array<[string, Record<string, string> | undefined, RegExp]> = [
      ["none", undefined, /^an app secret is required$/],
      ["garbage", bearer("not-a-secret"), /^invalid app secret: .*app id/],
      ["the admin token", bearer(server.adminToken), /admin token cannot call backend endpoints/],
      ["a user token", bearer(aliceToken), /user token cannot call backend endpoints/]
    ]
    await expectRefusalMessages(backendEndpoints, cases)
  })
})

describe("bad user tokens → 401 on every /v1/me endpoint", () => {
  const claims = (over: Record<string, unknown> = {}) => {
    const iat = nowSeconds()
    return { app: a.id, sub: "alice", iat, exp: iat + 600, ...over }
  }

  it("forged: signed with a wrong key", async () => {
    await expectRefusedEverywhere(userEndpoints, bearer(signJwt(claims(), "not-the-secret")), "wrong key")
  })

  it("signed with app B's secret while naming app A", async () => {
    await expectRefusedEverywhere(userEndpoints, bearer(signJwt(claims(), b.secret)), "B's key")
  })

  it("signed with app A's secret while naming app B", async () => {
    await expectRefusedEverywhere(
      userEndpoints,
      bearer(signJwt(claims({ app: b.id }), a.secret)),
      "names B, signed by A"
    )
  })

  it("naming an app that does not exist", async () => {
    await expectRefusedEverywhere(
      userEndpoints,
      bearer(signJwt(claims({ app: "app_nonexistent0000" }), a.secret)),
      "unknown app"
    )
  })

  it("`alg: none` with an empty signature", async () => {
    const token = signJwt(claims(), null, { alg: "none", typ: "JWT" })
    await expectRefusedEverywhere(userEndpoints, bearer(token), "alg none")
  })

  it("`alg: none` header carrying a valid HS256 signature", async () => {
    const token = signJwt(claims(), a.secret, { alg: "none", typ: "JWT" })
    await expectRefusedEverywhere(userEndpoints, bearer(token), "alg none signed")
  })

  it("expired (signed with the right secret, `exp` in the past)", async () => {
    const iat = nowSeconds() - 7200
    const token = signJwt({ app: a.id, sub: "alice", iat, exp: iat + 3600 }, a.secret)
    await expectRefusedEverywhere(userEndpoints, bearer(token), "expired")
  })

  it("without `exp` (it is required)", async () => {
    const token = signJwt({ app: a.id, sub: "alice", iat: nowSeconds() }, a.secret)
    await expectRefusedEverywhere(userEndpoints, bearer(token), "no exp")
  })

  it("without `sub` or without `app`", async () => {
    const iat = nowSeconds()
    await expectRefusedEverywhere(
      userEndpoints,
      bearer(signJwt({ app: a.id, iat, exp: iat + 600 }, a.secret)),
      "no sub"
    )
    await expectRefusedEverywhere(
      userEndpoints,
      bearer(signJwt({ sub: "alice", iat, exp: iat + 600 }, a.secret)),
      "no app"
    )
  })

  it("with a tampered payload (sub changed, signature kept)", async () => {
    const good = aliceToken.split(".")
    const tampered = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(good[1]!, "base64url").toString()), sub: "bob" })
    ).toString("base64url")
    await expectRefusedEverywhere(userEndpoints, bearer(`${good[0]}.${tampered}.${good[2]}`), "tampered")
  })

  it("structurally malformed: two parts, four parts, non-base64 parts, non-JSON header", async () => {
    const [h, c, s] = aliceToken.split(".")
    for (const token of [
      `${h}.${c}`,
      `${h}.${c}.${s}.${s}`,
      `!!!.${c}.${s}`,
      `${Buffer.from("not json").toString("base64url")}.${c}.${s}`,
      "a.b.c"
    ]) {
      await expectRefusedEverywhere(
        userEndpoints.slice(0, 2),
        bearer(token),
        `malformed ${token.slice(0, 20)}`
      )
    }
  })
})

describe("a credential of the wrong kind → 401", () => {
  it("a user token on backend endpoints", async () => {
    await expectRefusedEverywhere(backendEndpoints, bearer(aliceToken), "user token on backend")
  })

  it("a user token on operator endpoints", async () => {
    await expectRefusedEverywhere(operatorEndpoints, bearer(aliceToken), "user token on operator")
  })

  it("an app secret on operator endpoints", async () => {
    await expectRefusedEverywhere(operatorEndpoints, bearer(a.secret), "secret on operator")
  })

  it("an app secret on user endpoints", async () => {
    await expectRefusedEverywhere(userEndpoints, bearer(a.secret), "secret on /v1/me")
  })

  it("the admin token on user endpoints", async () => {
    await expectRefusedEverywhere(userEndpoints, bearer(server.adminToken), "admin on /v1/me")
  })

  it("the admin token on backend endpoints", async () => {
    await expectRefusedEverywhere(backendEndpoints, bearer(server.adminToken), "admin on backend")
  })
})

describe("credentials never reach the logs", () => {
  it("no secret, admin token or user token appears in the server output, even when sent in a query", async () => {
    const token = localToken(a, "alice")
    // tokens in query strings (WebSocket, SSE, long-poll)
    const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(token)}`)
    await ws.next((f) => f.type === "welcome")
    await ws.close()
    await request(server.url, "GET", `/v1/poll?token=${encodeURIComponent(token)}`)
    await request(server.url, "GET", `/v1/me/counts?token=${encodeURIComponent(token)}`)
    // refused credentials too
    await request(server.url, "GET", "/v1/users", { token: `${a.id}.${"Z".repeat(43)}` })
    await request(server.url, "GET", "/v1/me/counts", { token: signJwt({ app: a.id, sub: "x" }, "k") })
    const out = server.output()
    expect(out).not.toContain(a.secret.slice(a.id.length + 1))
    expect(out).not.toContain(b.secret.slice(b.id.length + 1))
    expect(out).not.toContain(server.adminToken)
    expect(out).not.toContain(token.split(".")[2]!)
    expect(out).not.toContain(aliceToken.split(".")[2]!)
    expect(out).not.toContain("Z".repeat(43))
  })
})
