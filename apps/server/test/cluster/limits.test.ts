/**
 * Limits are the cluster's, not each node's (PROTOCOL.md §6): the notify rate of an app and
 * the concurrent long-polls of a user are counted in Redis, so two nodes together allow what
 * one would. And a node whose Redis does not answer refuses to start, saying so.
 */
import {
  CLI_PATH,
  createApp,
  eventually,
  freePort,
  request,
  type TestApp,
  useCluster,
  userToken
} from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { command } from "../../../../scripts/vitest/command.mjs"
import { liveSessions } from "../transports/helpers.js"

const RATE = 10
const cluster = useCluster({
  nodes: 2,
  node: {
    config: { limits: { notifyPerSecond: RATE } },
    env: { PUSHBACK_MAX_POLLS_PER_USER: "2" }
  }
})
let app: TestApp

beforeAll(async () => {
  app = await createApp(cluster.nodes[0]!, "limits")
})

describe("limits across nodes", () => {
  it("the notify rate of an app is one budget for all nodes", async () => {
    const started = Date.now()
    const statuses = await Promise.all(
      Array.from({ length: 4 * RATE }, (_, i) =>
        request(cluster.nodes[i % 2]!.url, "POST", "/v1/notify", {
          token: app.secret,
          body: { users: ["r"], content: i }
        })
      )
    ).then((all) => all.map((r) => r.status))
    const elapsed = (Date.now() - started) / 1000
    const accepted = statuses.filter((s) => s === 202).length
    expect(statuses.every((s) => s === 202 || s === 429)).toBe(true)
    // The bucket holds RATE and refills RATE per second; two budgets would allow 2 × RATE at once.
    expect(accepted).toBeGreaterThanOrEqual(RATE)
    expect(accepted).toBeLessThanOrEqual(RATE + Math.ceil(RATE * elapsed))
    expect(accepted).toBeLessThan(2 * RATE)
  })

  it("a user's concurrent long-polls are capped across nodes", async () => {
    const token = await userToken(cluster.nodes[0]!, app, "poller", { register: true })
    const poll = (node: number, wait: number, signal?: AbortSignal) =>
      fetch(
        `${cluster.nodes[node]!.url}/v1/poll?token=${token}&cursor=0&wait=${wait}`,
        signal ? { signal } : {}
      )
    const hold = new AbortController()
    // A held poll that ends before the check (an answer or a failed request) would free its
    // slot and make the check meaningless: it is reported instead.
    let endedEarly: string | undefined
    const held = [poll(0, 20, hold.signal), poll(1, 20, hold.signal)].map((p) =>
      p.then(
        (r) => {
          if (!hold.signal.aborted) endedEarly ??= `a held poll was answered ${r.status}`
        },
        (e: unknown) => {
          if (!hold.signal.aborted) endedEarly ??= `a held poll failed: ${String(e)}`
        }
      )
    )
    // Both are held (the cap is 2) once the cluster counts them as sessions (a slot is taken
    // before the session opens); only then is a third sent, or it could take a slot first.
    await eventually(
      async () => endedEarly !== undefined || (await liveSessions(cluster.nodes[0]!, app, "poller")) === 2,
      { timeout: 15_000 }
    )
    expect(endedEarly).toBeUndefined()
    // The third, on either node, is refused.
    const thirds = [await poll(0, 0), await poll(1, 0)]
    expect(thirds.map((r) => r.status)).toEqual([429, 429])
    expect(endedEarly).toBeUndefined()
    hold.abort()
    await Promise.all(held)
  })

  it("a node whose Redis does not answer fails to start with one line naming --redis", async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`
    const result = await command(
      process.execPath,
      [
        CLI_PATH,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--db",
        cluster.databaseUrl,
        "--redis",
        nowhere
      ],
      { timeoutMs: 20_000, env: { ...process.env, PUSHBACK_ADMIN_TOKEN: "t".repeat(32) } }
    )
    expect(result.status).toBe(1)
    expect(result.stdout).not.toContain("ready on")
    const lines = result.stderr.trim().split("\n")
    expect(lines, result.stderr).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`--redis ${nowhere}: cannot reach Redis`))
  })
})
