/**
 * Resume and reset (PROTOCOL.md §4): after a disconnect or a restart a client that gives its
 * cursor gets exactly the entries it missed, in order, then live ones; a cursor that cannot
 * be resumed gets `reset` with the latest seq.
 */
import { eventually, seqsOf, type TestApp, useServer, useServers } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { connectUser } from "./helpers.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp()
})

describe("resume", () => {
  it("replays exactly the missed entries after a disconnect, then live ones", async () => {
    const first = await connectUser(server, app, "res1")
    for (let i = 1; i <= 3; i++) await server.notify(app, { users: ["res1"], content: i })
    await first.client.collect(3, (f) => f.type === "notification")
    await first.client.close()
    for (let i = 4; i <= 6; i++) await server.notify(app, { users: ["res1"], content: i })
    const again = await connectUser(server, app, "res1", 3)
    expect(again.welcome).toMatchObject({ cursor: 3 })
    await again.client.collect(3, (f) => f.type === "notification")
    await server.notify(app, { users: ["res1"], content: 7 })
    const all = await again.client.collect(4, (f) => f.type === "notification")
    expect(all.map((f) => (f["notification"] as { content: number }).content)).toEqual([4, 5, 6, 7])
    expect(seqsOf(again.client.frames)).toEqual([4, 5, 6, 7])
    await again.client.close()
  })

  it("a cursor equal to the latest seq resumes with nothing to replay", async () => {
    await server.notify(app, { users: ["res2"], content: "x" })
    const s = await connectUser(server, app, "res2", 1)
    expect(s.welcome).toMatchObject({ cursor: 1 })
    s.client.send({ type: "ping" })
    await s.client.next((f) => f.type === "pong")
    expect(s.client.frames.map((f) => f.type)).toEqual(["welcome", "pong"])
    await s.client.close()
  })

  it("sends reset with the latest seq for a cursor beyond it", async () => {
    await server.notify(app, { users: ["res3"], content: "x" })
    await server.notify(app, { users: ["res3"], content: "y" })
    const s = await connectUser(server, app, "res3", 99)
    expect(s.welcome).toMatchObject({ cursor: 2 })
    expect(await s.client.next((f) => f.type === "reset")).toEqual({ type: "reset", cursor: 2 })
    await server.notify(app, { users: ["res3"], content: "z" })
    expect(await s.client.next((f) => f.type === "notification")).toMatchObject({ seq: 3 })
    await s.client.close()
  })
})

describe("across restarts", () => {
  // Servers of their own, restarted by the tests (the handles follow them).
  const [own, retaining3] = useServers({}, { config: { limits: { retentionEntries: 3 } } })

  it("closes sessions with 1001 on SIGTERM and resumes from the cursor on the restarted server", async () => {
    const ownApp = await own.newApp()
    const s = await connectUser(own, ownApp, "rs")
    await own.notify(ownApp, { users: ["rs"], content: 1 })
    await s.client.next((f) => f.type === "notification")
    const closed = s.client.closed
    await own.restart()
    expect((await closed).code).toBe(1001)
    await own.notify(ownApp, { users: ["rs"], content: 2 })
    const again = await connectUser(own, ownApp, "rs", 1)
    expect(again.welcome).toMatchObject({ cursor: 1 })
    expect(await again.client.next((f) => f.type === "notification")).toMatchObject({
      seq: 2,
      notification: { content: 2 }
    })
    await again.client.close()
  })

  it("sends reset for a cursor older than retention", async () => {
    const ownApp = await retaining3.newApp()
    for (let i = 1; i <= 6; i++) await retaining3.notify(ownApp, { users: ["old"], content: i })
    // Pruning runs at start: restart so entries beyond the last 3 are dropped. It runs in the
    // background once the node listens, so wait until a stale cursor is told to reset.
    await retaining3.restart()
    await eventually(
      async () => {
        const probe = await connectUser(retaining3, ownApp, "old", 1)
        await probe.client.close()
        return probe.welcome.cursor === 6
      },
      { timeout: 15_000, interval: 200, what: "the pruning that runs at start" }
    )
    const s = await connectUser(retaining3, ownApp, "old", 1)
    expect(s.welcome).toMatchObject({ cursor: 6 })
    expect(await s.client.next((f) => f.type === "reset")).toEqual({ type: "reset", cursor: 6 })
    await s.client.close()
    // A cursor inside the retained window still resumes.
    const inside = await connectUser(retaining3, ownApp, "old", 3)
    expect(inside.welcome).toMatchObject({ cursor: 3 })
    const replay = await inside.client.collect(3, (f) => f.type === "notification")
    expect(replay.map((f) => f.seq)).toEqual([4, 5, 6])
    await inside.client.close()
  })
})
