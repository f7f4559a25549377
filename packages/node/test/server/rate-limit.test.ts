/**
 * 429 with `Retry-After` from the real server (a notify budget of 2/s): the SDK waits as told
 * and retries, and every call lands exactly once.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type TestServer, createApp, startServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PushBack, PushBackError } from "../../src/index.js"

let server: TestServer
let configDir: string

beforeAll(async () => {
  configDir = mkdtempSync(join(tmpdir(), "pushback-node-config-"))
  const config = join(configDir, "config.json")
  writeFileSync(config, JSON.stringify({ limits: { notifyPerSecond: 2 } }))
  server = await startServer({ args: ["--config", config] })
}, 60_000)

afterAll(async () => {
  await server?.dispose()
  rmSync(configDir, { recursive: true, force: true })
})

describe("rate limiting", () => {
  it("without retries, a burst gets 429 rate_limited", async () => {
    const app = await createApp(server, "rate-no-retry")
    const pb = new PushBack({ url: server.url, secret: app.secret, maxRetries: 0 })
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => pb.notify({ users: ["ann"], content: i }))
    )
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []))
    expect(refused.length).toBeGreaterThan(0)
    for (const error of refused) {
      expect(error).toBeInstanceOf(PushBackError)
      expect(error).toMatchObject({ status: 429, code: "rate_limited" })
    }
  })

  it("with retries, the SDK honours Retry-After and every call lands once", async () => {
    const app = await createApp(server, "rate-retry")
    const waits: Array<number> = []
    const pb = new PushBack({
      url: server.url,
      secret: app.secret,
      maxRetries: 5,
      sleep: (ms) => {
        waits.push(ms)
        return new Promise((resolve) => setTimeout(resolve, ms))
      }
    })
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => pb.notify({ users: ["bea"], content: i }))
    )
    expect(new Set(answers.map((a) => a.id)).size).toBe(5)
    expect(waits.length).toBeGreaterThan(0)
    // Retry-After is whole seconds: the waits are what the server asked, not the (shorter) backoff.
    for (const ms of waits) expect(ms % 1000).toBe(0)
    const list = await pb.listNotifications("bea")
    expect(list.count).toBe(5)
    expect(list.results.map((n) => n.content).sort()).toEqual([0, 1, 2, 3, 4])
  }, 30_000)
})
