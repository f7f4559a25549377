/**
 * Regression: a backlog longer than the retention count (entries not pruned yet) was
 * replayed only in part, leaving a gap the client saw only at the next live entry.
 */
import { useServer } from "@pushback/testkit"
import { expect, it } from "vitest"
import { connectUser } from "./helpers.js"

const server = useServer({ config: { limits: { retentionEntries: 3 } } })

it("replays the whole backlog after a cursor, however long", async () => {
  const app = await server.newApp()
  for (let i = 1; i <= 8; i++) await server.notify(app, { users: ["long"], content: i })
  const s = await connectUser(server, app, "long", 0)
  const replay = await s.client.collect(8, (f) => f.type === "notification")
  expect(replay.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  await s.client.close()
})
