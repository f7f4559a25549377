/**
 * "A 201 means durable and will reach everyone" (PROTOCOL.md §13): members post concurrently
 * while the server is killed with SIGKILL twice and restarted on the same database. Every
 * acknowledged message is in the history once, the conversation's seqs are 1..N with no gap, every
 * member's stream replays each message once, in order, with contiguous seqs, and the away
 * notification queued with the last messages before a crash is still sent after the restart.
 * Runs on SQLite (server) and PostgreSQL (server-pg).
 */
import type { Message, MessageFrame } from "@pushback/protocol/types"
import {
  connectWs,
  createApp,
  eventually,
  isEntry,
  request,
  startServer,
  type TestServer,
  userToken
} from "@pushback/testkit"
import { describe, expect, it } from "vitest"

const MEMBERS = ["kim", "lee", "max"]
const ROUNDS = 2

describe("kill -9 while members post", () => {
  it(`keeps every acknowledged message once, on every member's stream, and its away notification, over ${ROUNDS} crashes`, async () => {
    let server: TestServer = await startServer()
    try {
      const app = await createApp(server, "chat-kill9")
      const backend = (method: string, path: string, body?: unknown) =>
        request<{ id: string; lastSeq: number }>(server.url, method, path, {
          token: app.secret,
          ...(body === undefined ? {} : { body })
        })
      expect((await backend("PUT", "/v1/conversation-settings", { notifyAfter: 1 })).status).toBe(200)
      const c = (await backend("POST", "/v1/conversations", { members: [...MEMBERS, "away"] })).body
      const acked = new Set<string>()
      let next = 0
      for (let round = 0; round < ROUNDS; round++) {
        const tokens = await Promise.all(MEMBERS.map((m) => userToken(server, app, m)))
        const target = acked.size + 30
        let stop = false
        const worker = async (i: number) => {
          while (!stop) {
            const clientId = `m${next++}`
            try {
              const res = await fetch(`${server.url}/v1/me/conversations/${c.id}/messages`, {
                method: "POST",
                headers: { authorization: `Bearer ${tokens[i % 3]}`, "content-type": "application/json" },
                body: JSON.stringify({ text: clientId, clientId })
              })
              if (res.status === 201) acked.add(clientId)
            } catch {
              return // the server is gone
            }
          }
        }
        const workers = Array.from({ length: 6 }, (_, i) => worker(i))
        while (acked.size < target) await new Promise((r) => setTimeout(r, 2))
        await server.kill()
        stop = true
        await Promise.all(workers)
        server = await startServer({ dataDir: server.dataDir })
      }

      const conversation = (await backend("GET", `/v1/conversations/${c.id}`)).body
      const n = conversation.lastSeq
      const token = await userToken(server, app, "kim")
      const history: Array<Message> = []
      for (let before = n + 1; before > 1; ) {
        const page = await request<{ messages: Array<Message> }>(
          server.url,
          "GET",
          `/v1/me/conversations/${c.id}/messages?before=${before}&limit=100`,
          { token }
        )
        history.push(...page.body.messages)
        before = page.body.messages.at(-1)?.seq ?? 1
      }
      expect(history.map((m) => m.seq).reverse()).toEqual(Array.from({ length: n }, (_, i) => i + 1))
      const texts = history.map((m) => m.text)
      expect(new Set(texts).size).toBe(texts.length)
      for (const id of acked) expect(texts, `acknowledged ${id}`).toContain(id)

      // every member's stream: the conversation, then each message once, in order, with no gap
      // (away notifications of the members, who had no session, are entries there too)
      for (const member of [...MEMBERS, "away"]) {
        const ws = await connectWs(
          `${server.wsUrl}/v1/ws?token=${await userToken(server, app, member)}&cursor=0`
        )
        const chat = await ws.collect(n + 1, (f) => f.type === "message" || f.type === "conversation", 15_000)
        await ws.close()
        expect(chat.slice(1).map((e) => (e as MessageFrame).message.seq)).toEqual(
          Array.from({ length: n }, (_, i) => i + 1)
        )
        const seqs = ws.frames.filter(isEntry).map((e) => e.seq)
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
      }
      // the away member's notification, queued with messages stored before the last crash
      await eventually(
        async () =>
          (
            await request<{ results: Array<{ type: string }> }>(
              server.url,
              "GET",
              "/v1/users/away/notifications",
              {
                token: app.secret
              }
            )
          ).body.results.some((r) => r.type === "message"),
        { timeout: 10_000 }
      )
    } finally {
      await server.dispose()
    }
  }, 90_000)
})
