/**
 * The authentication matrix as one table (issue 17, PROTOCOL.md §2): every token variant —
 * `alg: none`, other algorithms, tampered signature or payload, a missing, string, null, huge
 * or unparsable `exp`, another app, a rotated secret, credentials of the wrong kind, oversize
 * tokens — is judged the same way on REST, SSE, long-poll, the WebSocket `hello` frame and
 * WebSocket `?token=`. What differs by transport is how a verdict shows (a status, a close
 * code), which is the `seen` function of each channel, not a branch in the cases.
 */
import { nowSeconds, request, type ServerFrame, signJwt, type TestApp, useServer } from "@pushback/testkit"
import WebSocket from "ws"
import { beforeAll, describe, expect, it } from "vitest"
import { expectErrorShape } from "../http/helpers.js"
import { report } from "./support.js"

/** How a transport judged a token. */
type Verdict = "ok" | "unauthorized" | "expired" | "too large"

const server = useServer()
let a: TestApp
let b: TestApp
let rotatedToken: string

const claims = (over: Record<string, unknown> = {}, app = () => a) => {
  const iat = nowSeconds()
  return { app: app().id, sub: "alice", iat, exp: iat + 600, ...over }
}
const good = () => signJwt(claims(), a.secret)

beforeAll(async () => {
  ;[a, b] = await Promise.all([server.newApp("matrix-a"), server.newApp("matrix-b")])
  const rotating = await server.newApp("matrix-rotated")
  await Promise.all([server.registerUsers(a, ["alice"]), server.registerUsers(rotating, ["alice"])])
  rotatedToken = signJwt(
    claims({}, () => rotating),
    rotating.secret
  )
  const rotated = await request(server.url, "POST", `/v1/apps/${rotating.id}/secret`, {
    token: server.adminToken
  })
  expect(rotated.status).toBe(200)
})

const flip = (token: string, part: number) => {
  const parts = token.split(".")
  const s = parts[part]!
  parts[part] = s.slice(0, -2) + (s.at(-2) === "A" ? "B" : "A") + s.at(-1)
  return parts.join(".")
}

/** Every case: a name, the token, and the verdict every channel must give. */
const CASES: ReadonlyArray<[string, () => string, Verdict]> = [
  ["a valid token", good, "ok"],
  ["exp 30 days ahead", () => signJwt(claims({ exp: nowSeconds() + 30 * 86_400 }), a.secret), "ok"],
  ["exp 1e300", () => signJwt(claims({ exp: 1e300 }), a.secret), "ok"],
  ["alg none, no signature", () => signJwt(claims(), null, { alg: "none", typ: "JWT" }), "unauthorized"],
  [
    "alg none with a valid HS256 signature",
    () => signJwt(claims(), a.secret, { alg: "none" }),
    "unauthorized"
  ],
  ["alg HS384", () => signJwt(claims(), a.secret, { alg: "HS384", typ: "JWT" }), "unauthorized"],
  ["alg RS256", () => signJwt(claims(), a.secret, { alg: "RS256", typ: "JWT" }), "unauthorized"],
  ["tampered signature", () => flip(good(), 2), "unauthorized"],
  [
    "tampered payload (sub changed, signature kept)",
    () => {
      const [h, , s] = good().split(".")
      return `${h}.${Buffer.from(JSON.stringify(claims({ sub: "bob" }))).toString("base64url")}.${s}`
    },
    "unauthorized"
  ],
  ["no exp", () => signJwt({ app: a.id, sub: "alice", iat: nowSeconds() }, a.secret), "unauthorized"],
  ["exp a string", () => signJwt(claims({ exp: String(nowSeconds() + 600) }), a.secret), "unauthorized"],
  ["exp null", () => signJwt(claims({ exp: null }), a.secret), "unauthorized"],
  [
    "exp 1e999 (Infinity)",
    () => signJwt(`{"app":"${a.id}","sub":"alice","exp":1e999}`, a.secret),
    "unauthorized"
  ],
  ["expired", () => signJwt(claims({ exp: nowSeconds() - 5 }), a.secret), "expired"],
  ["naming app A, signed with app B's secret", () => signJwt(claims(), b.secret), "unauthorized"],
  [
    "naming app B, signed with app A's secret",
    () =>
      signJwt(
        claims({}, () => b),
        a.secret
      ),
    "unauthorized"
  ],
  [
    "naming an app that does not exist",
    () => signJwt(claims({ app: "app_nonexistent0000" }), a.secret),
    "unauthorized"
  ],
  ["signed with a secret since rotated", () => rotatedToken, "unauthorized"],
  ["the app secret instead of a token", () => a.secret, "unauthorized"],
  ["the admin token instead of a token", () => server.adminToken, "unauthorized"],
  ["a sub of 200 characters", () => signJwt(claims({ sub: "s".repeat(200) }), a.secret), "unauthorized"],
  ["three dots of garbage", () => "a.b.c", "unauthorized"],
  ["an 8 KB token", () => `${good()}${"x".repeat(8 * 1024)}`, "unauthorized"],
  ["a 20 KB token", () => `${good()}${"x".repeat(20 * 1024)}`, "too large"]
]

/** A refusal over HTTP: its status, and the error body that tells expired from the rest. */
const httpVerdict = async (res: {
  status: number
  headers: Headers
  text: string
  body: unknown
}): Promise<Verdict> => {
  if (res.status === 200) return "ok"
  expectErrorShape(res)
  if (res.status === 431) return "too large"
  expect(res.status, res.text).toBe(401)
  return /expired/.test(res.text) ? "expired" : "unauthorized"
}

/** Opens an HTTP transport, reads only the head of the answer, and hangs up. */
const headOnly = async (url: string) => {
  const stop = new AbortController()
  const res = await fetch(url, { signal: stop.signal })
  const text = res.status === 200 ? "" : await res.text()
  stop.abort()
  return { status: res.status, headers: res.headers, text, body: text === "" ? undefined : JSON.parse(text) }
}

/** A WebSocket's verdict: welcome (then still open after a ping), a close code, or a refused upgrade. */
const wsVerdict = (url: string, hello?: string): Promise<Verdict> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode === 431 ? "too large" : "unauthorized")
      ws.terminate()
    })
    ws.on("open", () => {
      if (hello !== undefined) ws.send(JSON.stringify({ type: "hello", token: hello }))
    })
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame
      if (frame.type === "welcome") ws.send('{"type":"ping"}')
      if (frame.type === "pong") {
        resolve("ok")
        ws.close()
      }
    })
    ws.on("close", (code) => {
      const verdicts: Record<number, Verdict> = { 4001: "unauthorized", 4009: "expired", 1009: "too large" }
      resolve(verdicts[code] ?? (`close ${code}` as Verdict))
    })
    ws.on("error", (e) => reject(e))
  })

const q = (token: string) => encodeURIComponent(token)

/** Each channel a user token can take. */
const CHANNELS: ReadonlyArray<[string, (token: string) => Promise<Verdict>]> = [
  ["REST", async (t) => httpVerdict(await request(server.url, "GET", "/v1/me/counts", { token: t }))],
  ["SSE", async (t) => httpVerdict(await headOnly(`${server.url}/v1/sse?token=${q(t)}`))],
  ["long-poll", async (t) => httpVerdict(await headOnly(`${server.url}/v1/poll?token=${q(t)}`))],
  ["WebSocket ?token=", (t) => wsVerdict(`${server.wsUrl}/v1/ws?token=${q(t)}`)],
  ["WebSocket hello", (t) => wsVerdict(`${server.wsUrl}/v1/ws`, t)]
]

describe.each(CHANNELS)("%s", (channel, judge) => {
  it.each(CASES)("%s → %s", async (_name, token, expected) => {
    expect(await judge(token()), `${channel}`).toBe(expected)
  })
})

it("keeps serving, and never logged a token", () => {
  expect(server.output()).not.toContain(a.secret.slice(a.id.length + 1))
  expect(server.output()).not.toMatch(/internal error/)
  report("auth matrix", {
    cases: CASES.length,
    channels: CHANNELS.length,
    checks: CASES.length * CHANNELS.length
  })
})
