/**
 * No SQL on the publish path (PROTOCOL.md §12): while another connection holds the SQLite
 * database's write lock (`BEGIN EXCLUSIVE`), a write the server makes waits — a notify, a
 * namespace's change — but publishing answers at once, over REST and over WebSocket, and
 * subscribers get every publication. Once the lock is let go, the waiting writes complete.
 * (Reads still go on in WAL mode, as they do for every request's authentication.)
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
  // So does a namespace's change — without holding up the event loop meanwhile.
  let putAnswered = false
  const put = request(server.url, "PUT", "/v1/namespaces/other", { token: app.secret, body: {} }).then(
    (r) => {
      putAnswered = true
      return r
    }
  )
  const started = Date.now()
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
    // The lock is real: the server's own writes are still waiting for it.
    expect(notifyAnswered).toBe(false)
    expect(putAnswered).toBe(false)
    expect(Date.now() - started).toBeLessThan(4000)
  } finally {
    db.exec("COMMIT")
    db.close()
  }
  expect((await notify).status).toBe(202)
  expect((await put).status).toBe(200)
  await Promise.all([subscriber.close(), publisher.close()])
})
