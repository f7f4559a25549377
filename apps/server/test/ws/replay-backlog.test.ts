/**
 * Regression: a backlog longer than the retention count (entries not pruned yet) was
 * replayed only in part, leaving a gap the client saw only at the next live entry.
 */
import { configFile, startServer } from "@pushback/testkit"
import { expect, it } from "vitest"
import { connectUser, newApp, notify } from "./helpers.js"

it("replays the whole backlog after a cursor, however long", async () => {
  const server = await startServer({ args: ["--config", configFile({ limits: { retentionEntries: 3 } })] })
  try {
    const app = await newApp(server)
    for (let i = 1; i <= 8; i++) await notify(server, app, { users: ["long"], content: i })
    const s = await connectUser(server, app, "long", 0)
    const replay = await s.client.collect(8, (f) => f.type === "notification")
    expect(replay.map((f) => f["seq"])).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    await s.client.close()
  } finally {
    await server.dispose()
  }
})
