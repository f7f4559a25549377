/**
 * Web Push keys and subscriptions (PROTOCOL.md §14) on one server: the public VAPID key for
 * anyone, kept across restarts and printed by `pushback push keys`; a configured pair (two keys
 * that are not one pair refused) and a refused VAPID subject; a browser's subscription stored,
 * listed, moved to another user by the same endpoint, removed, capped at 10 per user (the oldest
 * goes) and erased with its user; bad bodies, endpoints and keys (not a point on P-256) refused
 * with 400 and nothing stored.
 */
import { createECDH } from "node:crypto"
import { CLI_PATH, request, testDatabaseUrl, userToken } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { command } from "../../../../scripts/vitest/command.mjs"
import { postSubscription, pushSuite, subscribeOk, subscriptionsOf } from "./helpers.js"

const suite = pushSuite("push-subscriptions")

const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  command(process.execPath, [CLI_PATH, ...args], { env: { ...process.env, ...env } })

describe("the VAPID key", () => {
  it("is served without a credential, kept in the database, and printed by pushback push keys", async () => {
    const { server } = suite
    const res = await request<{ publicKey: string }>(server.url, "GET", "/v1/push/key", {
      headers: { origin: "https://app.example.com" }
    })
    expect(res.status).toBe(200)
    // A page on another origin reads it (CORS, as /v1/me/*).
    expect(res.headers.get("access-control-allow-origin")).toBe("*")
    expect(res.body.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/)
    // The server's own database (SQLite here, PostgreSQL in the server-pg project).
    const printed = await cli(["push", "keys", "--db", await testDatabaseUrl(server.dataDir)])
    expect(printed.status, printed.stderr).toBe(0)
    expect(printed.stdout.trim()).toBe(res.body.publicKey)
  })

  it("comes from PUSHBACK_VAPID_PUBLIC_KEY/_PRIVATE_KEY when given (one pair), and a fake subject is refused", async () => {
    const { server } = suite
    const db = ["--db", await testDatabaseUrl(server.dataDir)]
    const ecdh = createECDH("prime256v1")
    ecdh.generateKeys()
    const pair = {
      PUSHBACK_VAPID_PUBLIC_KEY: ecdh.getPublicKey("base64url"),
      PUSHBACK_VAPID_PRIVATE_KEY: Buffer.concat([Buffer.alloc(32), ecdh.getPrivateKey()])
        .subarray(-32)
        .toString("base64url")
    }
    const given = await cli(["push", "keys", ...db], pair)
    expect(given.stdout.trim(), given.stderr).toBe(pair.PUSHBACK_VAPID_PUBLIC_KEY)
    // Two keys of the right shape that are not one pair: every push would be refused.
    const other = createECDH("prime256v1")
    other.generateKeys()
    const mismatched = await cli(["push", "keys", ...db], {
      ...pair,
      PUSHBACK_VAPID_PUBLIC_KEY: other.getPublicKey("base64url")
    })
    expect(mismatched.status).toBe(1)
    expect(mismatched.stderr).toMatch(/not one P-256 key pair/)
    const half = await cli(["push", "keys", ...db], {
      PUSHBACK_VAPID_PUBLIC_KEY: pair.PUSHBACK_VAPID_PUBLIC_KEY
    })
    expect(half.status).toBe(1)
    expect(half.stderr).toMatch(/give both keys/)
    for (const subject of [
      "mailto:ops@localhost",
      "https://10.0.0.1",
      "http://pushback.example.com",
      "ops@x.org"
    ]) {
      const refused = await cli(["push", "keys", ...db], { PUSHBACK_VAPID_SUBJECT: subject })
      expect(refused.status, subject).toBe(1)
      expect(refused.stderr).toMatch(/PUSHBACK_VAPID_SUBJECT .*a VAPID subject is mailto:/)
    }
  }, 90_000) // seven CLI processes
})

describe("subscriptions", () => {
  it("are stored, listed, moved by their endpoint, and removed", async () => {
    const { server, app, service } = suite
    const phone = service.subscription("ana-phone")
    const id = await subscribeOk(server, app, "ana", phone, {
      userAgent: "Firefox ESR",
      expirationTime: null
    })
    expect(id).toMatch(/^psub_/)
    expect(await subscriptionsOf(server, app, "ana")).toEqual([
      expect.objectContaining({
        id,
        endpoint: phone.endpoint,
        userAgent: "Firefox ESR",
        expirationTime: null
      })
    ])
    // The same browser, now signed in as bea: one subscription, hers.
    expect(await subscribeOk(server, app, "bea", phone)).toBe(id)
    expect(await subscriptionsOf(server, app, "ana")).toEqual([])
    expect((await subscriptionsOf(server, app, "bea")).map((s) => s.id)).toEqual([id])
    // The operator's view is the backend's.
    const operator = await request<{ subscriptions: Array<{ id: string }> }>(
      server.url,
      "GET",
      `/v1/apps/${app.id}/users/bea/push-subscriptions`,
      { token: server.adminToken }
    )
    expect(operator.body.subscriptions.map((s) => s.id)).toEqual([id])
    const ana = await userToken(server, app, "ana")
    const bea = await userToken(server, app, "bea")
    const mine = await request<{ subscriptions: Array<{ id: string }> }>(
      server.url,
      "GET",
      "/v1/me/push-subscriptions",
      {
        token: bea
      }
    )
    expect(mine.body.subscriptions.map((s) => s.id)).toEqual([id])
    // Not ana's to remove; bea's once, then gone.
    expect(
      (await request(server.url, "DELETE", `/v1/me/push-subscriptions/${id}`, { token: ana })).status
    ).toBe(404)
    expect(
      (await request(server.url, "DELETE", `/v1/me/push-subscriptions/${id}`, { token: bea })).status
    ).toBe(204)
    expect(
      (await request(server.url, "DELETE", `/v1/me/push-subscriptions/${id}`, { token: bea })).status
    ).toBe(404)
    expect(await subscriptionsOf(server, app, "bea")).toEqual([])
  })

  it("keep at most 10 per user, the oldest going first, and go with their user", async () => {
    const { server, app, service } = suite
    const ids: Array<string> = []
    for (let i = 0; i < 11; i++)
      ids.push(await subscribeOk(server, app, "cal", service.subscription(`cal-${i}`)))
    const kept = (await subscriptionsOf(server, app, "cal")).map((s) => s.id)
    expect(kept).toHaveLength(10)
    expect(kept).not.toContain(ids[0])
    expect(new Set(kept)).toEqual(new Set(ids.slice(1)))
    expect((await request(server.url, "DELETE", "/v1/users/cal", { token: app.secret })).status).toBe(204)
    expect(
      (await request(server.url, "GET", "/v1/users/cal/push-subscriptions", { token: app.secret })).status
    ).toBe(404)
    await request(server.url, "POST", "/v1/users", { token: app.secret, body: { users: ["cal"] } })
    expect(await subscriptionsOf(server, app, "cal")).toEqual([])
  })

  it("refuse bad bodies and endpoints with 400, storing nothing", async () => {
    const { server, app, service } = suite
    const sub = service.subscription("dee-laptop")
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString("base64url")
    const bad: Array<[unknown, string]> = [
      [{ endpoint: sub.endpoint.replace("https:", "http:"), keys: sub.keys }, "endpoint"],
      [{ endpoint: "https://fcm.googleapis.com/fcm/send/abc", keys: sub.keys }, "endpoint"],
      [{ endpoint: "https://push.example.org/x", keys: sub.keys }, "endpoint"],
      [{ endpoint: "not a url", keys: sub.keys }, "endpoint"],
      [{ endpoint: sub.endpoint, keys: { ...sub.keys, p256dh: "AAAA" } }, "keys.p256dh"],
      [{ endpoint: sub.endpoint, keys: { ...sub.keys, auth: sub.keys.p256dh } }, "keys.auth"],
      // 65 bytes, but no point on P-256: every encryption to it would fail.
      [{ endpoint: sub.endpoint, keys: { ...sub.keys, p256dh: offCurve } }, "keys.p256dh"],
      // Not a whole millisecond, or past any date (PostgreSQL's BIGINT refused these with a 500).
      [{ endpoint: sub.endpoint, keys: sub.keys, expirationTime: 1.5 }, "expirationTime"],
      [{ endpoint: sub.endpoint, keys: sub.keys, expirationTime: 1e19 }, "expirationTime"],
      [{ endpoint: sub.endpoint }, "keys"],
      [{ endpoint: sub.endpoint, keys: sub.keys, expirationTime: "soon" }, "expirationTime"],
      [[], "body"]
    ]
    for (const [body, field] of bad) {
      const res = await postSubscription(server, app, "dee", body)
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(400)
      expect(JSON.stringify(res.body), JSON.stringify(body)).toContain(field)
    }
    expect((await request(server.url, "POST", "/v1/me/push-subscriptions", { body: sub })).status).toBe(401)
    expect(await subscriptionsOf(server, app, "dee")).toEqual([])
  })
})
