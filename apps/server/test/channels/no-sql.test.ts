/**
 * No SQL on the publish path (PROTOCOL.md §12): while another connection holds the SQLite
 * database's write lock (`BEGIN EXCLUSIVE`), a write the server makes waits — a notify does not
 * answer — but publishing does, over REST and over WebSocket, and subscribers get every
 * publication. Once the lock is let go, the waiting write completes. (Reads still go on in WAL
 * mode, as they do for every request's authentication.)
 */
import { join } from "node:path"
import { request, type TestApp, useServer } from "@pushback/testkit"
import Database from "better-sqlite3"
import { beforeAll, expect, it } from "vitest"
import { ask, openWs, putNamespace, tokenWith } from "./clients.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("no-sql")
  await putNamespace(server, app, "live", { clientPublish: true, history: { size: 10, ttlSeconds: 60 } })
  await server.registerUsers(app, ["ada"])
})

it("publishes while the database's write lock is held elsewhere", async () => {
  const subscriber = await openWs(server, tokenWith(app, "ada", ["live:*"]), ["live:1"])
  const publisher = await openWs(server, tokenWith(app, "bo", ["live:*"]), ["live:1"])
  const db = new Database(join(server.dataDir, "pushback.db"))
  db.pragma("busy_timeout = 0")
  db.exec("BEGIN EXCLUSIVE")
  // A write of the server's own (a notify, on its writer thread) waits for the lock.
  let notifyAnswered = false
  const notify = request(server.url, "POST", "/v1/notify", {
    token: app.secret,
    body: { users: ["ada"], content: "waits" }
  }).then((r) => {
    notifyAnswered = true
    return r
  })
  try {
    for (let n = 1; n <= 5; n++) {
      const rest = await request(server.url, "POST", "/v1/channels/live:1/publish", {
        token: app.secret,
        body: { data: { n } }
      })
      expect(rest.status).toBe(200)
      expect(await ask(publisher, { type: "publish", channel: "live:1", data: { ws: n } })).toMatchObject({
        ok: true
      })
    }
    const got = await subscriber.collect(10, (f) => f.type === "publication")
    expect(got.map((f) => (f as { data: unknown }).data)).toEqual(
      [1, 2, 3, 4, 5].flatMap((n) => [{ n }, { ws: n }])
    )
    // The lock is real: the server's own write is still waiting for it.
    expect(notifyAnswered).toBe(false)
  } finally {
    db.exec("COMMIT")
    db.close()
  }
  expect((await notify).status).toBe(202)
  await Promise.all([subscriber.close(), publisher.close()])
})
