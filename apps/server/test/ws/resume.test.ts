/**
 * Resume and reset (PROTOCOL.md §4): after a disconnect or a restart a client that gives its
 * cursor gets exactly the entries it missed, in order, then live ones; a cursor that cannot
 * be resumed gets `reset` with the latest seq.
 */
import { configFile, startServer, type TestApp, type TestServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectUser, newApp, notify } from "./helpers.js"

let server: TestServer
let app: TestApp

beforeAll(async () => {
  server = await startServer()
  app = await newApp(server)
})
afterAll(() => server.dispose())

const seqs = (frames: ReadonlyArray<{ type: string; [k: string]: unknown }>) =>
  frames.filter((f) => typeof f["seq"] === "number").map((f) => f["seq"] as number)

describe("resume", () => {
  it("replays exactly the missed entries after a disconnect, then live ones", async () => {
    const first = await connectUser(server, app, "res1")
    for (let i = 1; i <= 3; i++) await notify(server, app, { users: ["res1"], content: i })
    await first.client.collect(3, (f) => f.type === "notification")
    await first.client.close()
    for (let i = 4; i <= 6; i++) await notify(server, app, { users: ["res1"], content: i })
    const again = await connectUser(server, app, "res1", 3)
    expect(again.welcome).toMatchObject({ cursor: 3 })
    await again.client.collect(3, (f) => f.type === "notification")
    await notify(server, app, { users: ["res1"], content: 7 })
    const all = await again.client.collect(4, (f) => f.type === "notification")
    expect(all.map((f) => (f["notification"] as { content: number }).content)).toEqual([4, 5, 6, 7])
    expect(seqs(again.client.frames)).toEqual([4, 5, 6, 7])
    await again.client.close()
  })

  it("a cursor equal to the latest seq resumes with nothing to replay", async () => {
    await notify(server, app, { users: ["res2"], content: "x" })
    const s = await connectUser(server, app, "res2", 1)
    expect(s.welcome).toMatchObject({ cursor: 1 })
    s.client.send({ type: "ping" })
    await s.client.next((f) => f.type === "pong")
    expect(s.client.frames.map((f) => f.type)).toEqual(["welcome", "pong"])
    await s.client.close()
  })

  it("sends reset with the latest seq for a cursor beyond it", async () => {
    await notify(server, app, { users: ["res3"], content: "x" })
    await notify(server, app, { users: ["res3"], content: "y" })
    const s = await connectUser(server, app, "res3", 99)
    expect(s.welcome).toMatchObject({ cursor: 2 })
    expect(await s.client.next((f) => f.type === "reset")).toEqual({ type: "reset", cursor: 2 })
    await notify(server, app, { users: ["res3"], content: "z" })
    expect(await s.client.next((f) => f.type === "notification")).toMatchObject({ seq: 3 })
    await s.client.close()
  })
})

describe("across restarts", () => {
  it("closes sessions with 1001 on SIGTERM and resumes from the cursor on the restarted server", async () => {
    const own = await startServer()
    try {
      const ownApp = await newApp(own)
      const s = await connectUser(own, ownApp, "rs")
      await notify(own, ownApp, { users: ["rs"], content: 1 })
      await s.client.next((f) => f.type === "notification")
      const closed = s.client.closed
      const restarted = await own.restart()
      expect((await closed).code).toBe(1001)
      await notify(restarted, ownApp, { users: ["rs"], content: 2 })
      const again = await connectUser(restarted, ownApp, "rs", 1)
      expect(again.welcome).toMatchObject({ cursor: 1 })
      expect(await again.client.next((f) => f.type === "notification")).toMatchObject({
        seq: 2,
        notification: { content: 2 }
      })
      await again.client.close()
      await restarted.dispose()
    } finally {
      await own.dispose()
    }
  })

  it("sends reset for a cursor older than retention", async () => {
    const config = configFile({ limits: { retentionEntries: 3 } })
    const own = await startServer({ args: ["--config", config] })
    try {
      const ownApp = await newApp(own)
      for (let i = 1; i <= 6; i++) await notify(own, ownApp, { users: ["old"], content: i })
      // Pruning runs at start: restart so entries beyond the last 3 are dropped.
      const restarted = await own.restart()
      const s = await connectUser(restarted, ownApp, "old", 1)
      expect(s.welcome).toMatchObject({ cursor: 6 })
      expect(await s.client.next((f) => f.type === "reset")).toEqual({ type: "reset", cursor: 6 })
      await s.client.close()
      // A cursor inside the retained window still resumes.
      const inside = await connectUser(restarted, ownApp, "old", 3)
      expect(inside.welcome).toMatchObject({ cursor: 3 })
      const replay = await inside.client.collect(3, (f) => f.type === "notification")
      expect(replay.map((f) => f["seq"])).toEqual([4, 5, 6])
      await inside.client.close()
      await restarted.dispose()
    } finally {
      await own.dispose()
    }
  })
})
