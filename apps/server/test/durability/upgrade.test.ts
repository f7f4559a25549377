/**
 * Upgrading keeps everything: a database written by the first schema (content on every
 * recipient row, frames stored in full, a counter row for `delivered`) is migrated on start,
 * and the inbox, the counts, the stats and the stream replay are exactly what they were.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Migrator, SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { connectWs, request, startServer, userToken } from "@pushback/testkit"
import { Effect } from "effect"
import { afterAll, expect, it } from "vitest"
import { encodeNotificationFrame, encodeShared } from "../../src/notify/Encode.js"
import { migrationSteps } from "../../src/storage/migrations/migrations.js"

const dir = mkdtempSync(join(tmpdir(), "pushback-upgrade-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const APP = { id: "app_old", secret: `app_old.${"s".repeat(40)}` }
// An hour ago: a fixed date would fall out of the retention window (the server prunes entries
// older than 7 days on start), and this test started failing once it did.
const at = new Date(Date.now() - 60 * 60 * 1000).toISOString()
const fields = (content: string) => ({
  type: null,
  title: "Old",
  content,
  url: null,
  icon: null,
  image: null,
  data: null,
  author: null,
  createdAt: at
})

/** Writes the first schema and data the way the first server did. */
const writeOldDatabase = Effect.gen(function* () {
  yield* Migrator.make({})({
    loader: Migrator.fromRecord({ "0001_init": migrationSteps["0001_init"] }),
    table: "pushback_migrations"
  })
  const sql = yield* SqlClient.SqlClient
  yield* sql`INSERT INTO apps (id, name, secret, created_at) VALUES (${APP.id}, 'old', ${APP.secret}, ${at})`
  yield* sql`INSERT INTO users (app, id, created_at, seq) VALUES (${APP.id}, 'ann', ${at}, 3), (${APP.id}, 'bob', ${at}, 1)`
  yield* sql`INSERT INTO notify_calls (app, id, email, recipients, online, created_at)
    VALUES (${APP.id}, 'call_a', NULL, 2, 1, ${at}), (${APP.id}, 'call_b', NULL, 1, 0, ${at})`
  const rows = [
    { id: "ntf_a_0", user: "ann", call: "call_a", seq: 1, content: '"first"' },
    { id: "ntf_a_1", user: "bob", call: "call_a", seq: 1, content: '"first"' },
    { id: "ntf_b_0", user: "ann", call: "call_b", seq: 2, content: '{"n":2}' }
  ]
  for (const r of rows) {
    yield* sql`INSERT INTO notifications (app, id, user_id, call_id, seq, title, content, created_at, seen_at)
      VALUES (${APP.id}, ${r.id}, ${r.user}, ${r.call}, ${r.seq}, 'Old', ${r.content}, ${at},
        ${r.id === "ntf_a_0" ? at : null})`
    const payload = encodeNotificationFrame(r.seq, r.id, r.user, encodeShared(fields(r.content)))
    yield* sql`INSERT INTO entries (app, user_id, seq, payload, created_at)
      VALUES (${APP.id}, ${r.user}, ${r.seq}, ${payload}, ${at})`
  }
  const seen = '{"type":"seen","seq":3,"ids":["ntf_a_0"]}'
  yield* sql`INSERT INTO entries (app, user_id, seq, payload, created_at) VALUES (${APP.id}, 'ann', 3, ${seen}, ${at})`
  yield* sql`INSERT INTO app_counters (app, delivered) VALUES (${APP.id}, 1)`
})

it("migrates a database of the first schema with nothing lost", async () => {
  const file = join(dir, "pushback.db")
  await Effect.runPromise(
    writeOldDatabase.pipe(Effect.provide(SqliteClient.layer({ filename: file })), Effect.orDie, Effect.scoped)
  )
  const server = await startServer({ dataDir: dir })
  try {
    const app = { ...APP, name: "old" }
    const ann = await userToken(server, app, "ann")
    const list = await request<{ count: number; results: Array<Record<string, unknown>> }>(
      server.url,
      "GET",
      "/v1/me/notifications",
      { token: ann }
    )
    expect(list.body.count).toBe(2)
    expect(list.body.results.map((n) => [n["id"], n["content"], n["title"], n["seenAt"]])).toEqual([
      ["ntf_b_0", { n: 2 }, "Old", null],
      ["ntf_a_0", "first", "Old", at]
    ])
    // 0004_author: calls stored before it have no author
    expect(list.body.results.map((n) => n["author"])).toEqual([null, null])
    const counts = await request(server.url, "GET", "/v1/me/counts", { token: ann })
    expect(counts.body).toEqual({ unseen: 1, unread: 2, total: 2 })
    const stats = await request<Record<string, number>>(server.url, "GET", "/v1/stats", { token: APP.secret })
    expect(stats.body).toMatchObject({ users: 2, notifications: 3, delivered: 1, seen: 1 })

    // The stream replays the old entries as they were, then a new one continues the seq.
    const client = await connectWs(`${server.wsUrl}/v1/ws?token=${ann}&cursor=0`)
    const old = await client.collect(3, (f) => f.type !== "welcome", 5000)
    expect(old.map((f) => [f.type, "seq" in f ? f.seq : undefined])).toEqual([
      ["notification", 1],
      ["notification", 2],
      ["seen", 3]
    ])
    const sent = await request(server.url, "POST", "/v1/notify", {
      token: APP.secret,
      body: { users: ["ann"], content: "new" }
    })
    expect(sent.status).toBe(202)
    const [fresh] = await client.collect(
      1,
      (f) => f.type === "notification" && f.notification.content === "new",
      5000
    )
    expect(fresh && "seq" in fresh ? fresh.seq : undefined).toBe(4)
    await client.close()
  } finally {
    await server.stop()
  }
})
