/**
 * What only PostgreSQL needs proven (PROTOCOL.md §6): with two nodes on one database, calls run
 * in several transactions at once, so overlapping audiences must not deadlock and every user's
 * seq must stay 1..N, and one idempotency key raced from both nodes makes one notification set.
 * The admin token a first node generated is kept in the database, so a second node takes it.
 */
import {
  connectWs,
  request,
  startServer,
  type TestApp,
  type TestServer,
  userToken,
  useServer
} from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"

const a = useServer()
// A second node on the same database (the data dir names the database), started after the first.
const b = useServer(() => ({ dataDir: a.dataDir }))
let app: TestApp

beforeAll(async () => {
  app = await a.newApp("concurrency")
})

const post = (server: TestServer, body: unknown, headers: Record<string, string> = {}) =>
  request<{ id: string; recipients: number }>(server.url, "POST", "/v1/notify", {
    token: app.secret,
    body,
    headers
  })

/** The seqs of a user's stream replayed from 0, and how many entries their counts say there are. */
const streamOf = async (user: string, expected: number) => {
  const token = await userToken(a, app, user)
  const client = await connectWs(`${b.wsUrl}/v1/ws?token=${token}&cursor=0`)
  const entries = await client.collect(expected, (f) => f.type === "notification", 15_000)
  await client.close()
  return entries.map((f) => f.seq)
}

describe("PostgreSQL, two nodes on one database", () => {
  it("200 concurrent calls with overlapping audiences: no deadlock, every user's seq contiguous", async () => {
    const users = Array.from({ length: 24 }, (_, i) => `u${String(i).padStart(2, "0")}`)
    // Every call takes a window of 6 users from a different start, some in reverse order,
    // so the audiences overlap in every direction; every 10th call is to all registered users.
    const audience = (n: number) => {
      const pick = Array.from({ length: 6 }, (_, k) => users[(n * 7 + k * 5) % users.length]!)
      return n % 2 === 0 ? pick : pick.reverse()
    }
    const node = (n: number) => (n % 2 === 0 ? a : b)
    const numbers = Array.from({ length: 200 }, (_, n) => n)
    const named = numbers
      .filter((n) => n % 10 !== 9)
      .map((n) => post(node(n), { users: audience(n), content: { n } }))
    // A call to all registered users answers recipients 0 if it commits before any named call
    // has registered a user: the broadcasts go once one named call has answered, the others
    // still in flight (they raced the named calls from the start, and failed that way).
    await Promise.race(named)
    const broadcasts = numbers.filter((n) => n % 10 === 9).map((n) => post(node(n), { content: { n } }))
    const replies = await Promise.all([...named, ...broadcasts])
    for (const r of replies) expect(r.status, r.text).toBe(202)
    const expected = new Map<string, number>()
    for (const r of replies) expect(r.body.recipients).toBeGreaterThan(0)
    for (const user of users) {
      const counts = await request<{ total: number }>(a.url, "GET", "/v1/me/counts", {
        token: await userToken(a, app, user)
      })
      expected.set(user, counts.body.total)
    }
    const total = replies.reduce((sum, r) => sum + r.body.recipients, 0)
    expect([...expected.values()].reduce((x, y) => x + y, 0)).toBe(total)
    for (const user of users) {
      const n = expected.get(user)!
      expect(await streamOf(user, n), user).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    }
  })

  it("one idempotency key from 20 concurrent calls on both nodes: one notification set", async () => {
    const body = { users: ["idem-1", "idem-2"], content: "once" }
    const key = { "idempotency-key": "race-key-1" }
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? a : b, body, key)))
    for (const r of replies) expect(r.status, r.text).toBe(202)
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1)
    for (const user of ["idem-1", "idem-2"]) {
      const list = await request<{ count: number }>(a.url, "GET", `/v1/users/${user}/notifications`, {
        token: app.secret
      })
      expect(list.body.count, user).toBe(1)
    }
    // The same key with another body, from either node: a conflict, nothing stored.
    const other = await post(b, { ...body, content: "twice" }, key)
    expect(other.status, other.text).toBe(409)
  })

  it("keeps a generated admin token in the database: the next node uses it", async () => {
    const first = await startServer({ env: { PUSHBACK_ADMIN_TOKEN: "" } })
    try {
      const token = /generated an admin token[^\n]*\n\[pushback\] {3}(\S+)/.exec(first.output())?.[1]
      expect(token, first.output()).toMatch(/^pb_admin_/)
      expect(first.output()).toContain("kept in the database")
      const second = await startServer({ dataDir: first.dataDir, env: { PUSHBACK_ADMIN_TOKEN: "" } })
      try {
        expect(second.output()).not.toContain("generated an admin token")
        const apps = await request(second.url, "GET", "/v1/apps", { token: token! })
        expect(apps.status, apps.text).toBe(200)
      } finally {
        await second.kill()
      }
    } finally {
      await first.dispose()
    }
  })
})
