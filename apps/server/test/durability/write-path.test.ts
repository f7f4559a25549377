/**
 * What a 2xx from notify relies on, checked on the running server rather than assumed:
 * the writer connection is in WAL mode with `synchronous=FULL`, and concurrent calls share
 * commits (group commit) while each is still stored exactly once.
 */
import Database from "better-sqlite3"
import { join } from "node:path"
import { createApp, request, useServer } from "@pushback/testkit"
import { describe, expect, it } from "vitest"

const server = useServer()

const commits = async (): Promise<number> => {
  const text = (await request(server.url, "GET", "/metrics")).text
  const match = /^pushback_store_commits_total (\d+)$/m.exec(text)
  if (match === null) throw new Error(`no commit counter in /metrics:\n${text}`)
  return Number(match[1])
}

describe("the write path's durability", () => {
  it("runs the writer in WAL mode with synchronous=FULL", async () => {
    const ready = await request<{ storage: { journalMode: string; synchronous: string } }>(
      server.url,
      "GET",
      "/readyz"
    )
    expect(ready.status).toBe(200)
    expect(ready.body.storage).toEqual({ journalMode: "wal", synchronous: "full" })
    // WAL is a property of the file: another connection sees it too.
    const db = new Database(join(server.dataDir, "pushback.db"), { readonly: true })
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
    } finally {
      db.close()
    }
  })

  it("shares commits among concurrent calls and stores each call once", async () => {
    const app = await createApp(server, "group-commit")
    const before = await commits()
    const calls = 60
    const answers = await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        request<{ id: string; recipients: number }>(server.url, "POST", "/v1/notify", {
          token: app.secret,
          body: { users: [`u${i % 6}`], content: { i } }
        })
      )
    )
    for (const res of answers) expect(res.status, res.text).toBe(202)
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(calls)
    const made = (await commits()) - before
    expect(made).toBeGreaterThan(0)
    expect(made).toBeLessThan(calls)
    const stats = await request<{ notifications: number }>(server.url, "GET", "/v1/stats", {
      token: app.secret
    })
    expect(stats.body.notifications).toBe(calls)
  })
})
