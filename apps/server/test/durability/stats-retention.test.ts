/**
 * Statistics retention (PROTOCOL.md §8, `statsMinuteDays`, `statsHourDays`, `statsDayDays`):
 * buckets older than their grain's retention are pruned (at start and every 10 minutes), the
 * others kept. Old buckets are written into the SQLite file while the server is stopped, as if
 * they had been counted long ago.
 */
import { join } from "node:path"
import { createApp, request, startServer } from "@pushback/testkit"
import Database from "better-sqlite3"
import { expect, it } from "vitest"

const DAY = 86_400_000
const minuteOf = (ms: number) => `${new Date(ms).toISOString().slice(0, 16)}:00.000Z`
const hourOf = (ms: number) => `${new Date(ms).toISOString().slice(0, 13)}:00:00.000Z`
const dayOf = (ms: number) => `${new Date(ms).toISOString().slice(0, 10)}T00:00:00.000Z`

it("prunes buckets past each grain's retention and keeps the rest", async () => {
  const config = { limits: { statsMinuteDays: 1, statsHourDays: 3, statsDayDays: 10 } }
  let server = await startServer({ config })
  try {
    const app = await createApp(server, "retention")
    await server.stop()
    const now = Date.now()
    const rows: Array<[string, string, number]> = [
      ["minute", minuteOf(now - 2 * DAY), 1], // past 1 day: pruned
      ["minute", minuteOf(now - DAY / 2), 2], // kept
      ["hour", hourOf(now - 4 * DAY), 3], // past 3 days: pruned
      ["hour", hourOf(now - 2 * DAY), 4], // kept
      ["day", dayOf(now - 12 * DAY), 5], // past 10 days: pruned
      ["day", dayOf(now - 5 * DAY), 6] // kept
    ]
    const db = new Database(join(server.dataDir, "pushback.db"))
    const insert = db.prepare(
      "INSERT INTO stats_buckets (app, grain, t, shard, notifications) VALUES (?, ?, ?, 0, ?)"
    )
    for (const [grain, t, n] of rows) insert.run(app.id, grain, t, n)
    db.close()
    server = await startServer({ dataDir: server.dataDir, config })
    const sum = async (interval: string, at: string) => {
      const q = `interval=${interval}&from=${at}&to=${at}`
      const res = await request<{ points: Array<{ notifications: number }> }>(
        server.url,
        "GET",
        `/v1/stats/series?${q}`,
        { token: app.secret }
      )
      expect(res.status, res.text).toBe(200)
      return res.body.points[0]!.notifications
    }
    // Pruning starts with the server, beside the first requests: wait for it (bounded).
    const all = () => Promise.all(rows.map(([grain, t]) => sum(grain, t)))
    for (let i = 0; i < 50 && (await all()).some((n, j) => j % 2 === 0 && n > 0); i++) {
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(await all()).toEqual([0, 2, 0, 4, 0, 6])
  } finally {
    await server.dispose()
  }
})
