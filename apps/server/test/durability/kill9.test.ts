/**
 * "Nothing acknowledged is ever lost": SIGKILL the server in the middle of a stream of
 * concurrent notify calls, restart it on the same database, and check that every call that
 * got a 2xx is there exactly once, and that the user's stream is still gap-free.
 */
import { connectWs, createApp, request, startServer, userToken } from "@pushback/testkit"
import { describe, expect, it } from "vitest"

describe("kill -9 during notify", () => {
  it("keeps every acknowledged notification exactly once", async () => {
    const server = await startServer()
    const app = await createApp(server, "durability")
    const acked: Array<number> = []
    let next = 0
    let stop = false
    const worker = async () => {
      while (!stop && next < 2000) {
        const n = next++
        try {
          const res = await fetch(`${server.url}/v1/notify`, {
            method: "POST",
            headers: { authorization: `Bearer ${app.secret}`, "content-type": "application/json" },
            body: JSON.stringify({ users: ["victim"], content: { n } })
          })
          if (res.status === 202) acked.push(n)
        } catch {
          return // the server is gone
        }
      }
    }
    const workers = Array.from({ length: 8 }, worker)
    while (acked.length < 150) await new Promise((r) => setTimeout(r, 5))
    await server.kill()
    stop = true
    await Promise.all(workers)
    expect(acked.length).toBeGreaterThanOrEqual(150)

    const restarted = await startServer({ dataDir: server.dataDir })
    try {
      const token = await userToken(restarted, app, "victim")
      const seen: Array<number> = []
      for (let offset = 0; ; offset += 100) {
        const page = await request<{ results: Array<{ content: { n: number } }> }>(
          restarted.url,
          "GET",
          `/v1/me/notifications?limit=100&offset=${offset}`,
          { token }
        )
        seen.push(...page.body.results.map((r) => r.content.n))
        if (page.body.results.length < 100) break
      }
      const counts = new Map<number, number>()
      for (const n of seen) counts.set(n, (counts.get(n) ?? 0) + 1)
      for (const n of acked) expect(counts.get(n), `acknowledged notification ${n}`).toBe(1)
      expect([...counts.values()].every((c) => c === 1)).toBe(true)

      // The stream replays from 0 with seq 1..N and no gap.
      const client = await connectWs(`${restarted.wsUrl}/v1/ws?token=${token}&cursor=0`)
      const entries = await client.collect(seen.length, (f) => f.type === "notification", 15_000)
      expect(entries.map((f) => f["seq"])).toEqual(seen.map((_, i) => i + 1))
      await client.close()
    } finally {
      await restarted.dispose()
    }
  })
})
