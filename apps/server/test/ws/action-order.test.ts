/**
 * The actions of one WebSocket are applied in the order they were sent (PROTOCOL.md §4.1): a
 * `page` sent right after a `read` on the same socket sees the notification read. It used to
 * answer with the item still unread, the two actions racing each other. Frames sent before the
 * server has verified a `?token=` or `hello` (the socket is open, `welcome` not yet sent) are
 * applied too, in order, not dropped. A socket that piles up frames without reading its
 * answers is closed 4008 rather than queued without bound.
 */
import type { ReplyFrame } from "@pushback/protocol/types"
import { connectWs, resultOf, type ServerFrame, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, expect, it } from "vitest"
import { connectUser } from "./helpers.js"

const server = useServer()
let app: TestApp

beforeAll(async () => {
  app = await server.newApp()
})

type Page = { results: Array<{ id: string; seenAt: string | null; readAt: string | null }> }
const reply =
  (ref: string) =>
  (f: ServerFrame): f is ReplyFrame =>
    f.type === "reply" && f.ref === ref

it("a page right after a read sees it read, every time (was answered still unread)", async () => {
  const { client } = await connectUser(server, app, "order-1")
  for (let round = 0; round < 25; round++) {
    await server.notify(app, { users: ["order-1"], content: `n${round}` })
    const entry = await client.next((f) => f.type === "notification")
    const id = (entry["notification"] as { id: string }).id
    // back to back, no waiting for the first reply; the first without a ref (fire and forget)
    client.send({ type: "read", ids: [id] })
    client.send({ type: "page", limit: 1, ref: `page-${round}` })
    client.send({ type: "delete", ids: [id], ref: `delete-${round}` })
    client.send({ type: "page", limit: 1, status: "all", ref: `after-${round}` })
    const page = resultOf(await client.next(reply(`page-${round}`))) as Page
    expect(page.results[0]?.id, `round ${round}`).toBe(id)
    expect(page.results[0]?.readAt, `round ${round}: read before the page`).not.toBeNull()
    expect(resultOf(await client.next(reply(`delete-${round}`)))).toEqual({ updated: 1 })
    const after = resultOf(await client.next(reply(`after-${round}`))) as Page
    expect(
      after.results.map((n) => n.id),
      `round ${round}: deleted before the page`
    ).not.toContain(id)
  }
  // replies come back in the order the actions were sent
  const refs = client.frames.filter((f) => f.type === "reply").map((f) => String(f["ref"]))
  expect(refs).toEqual(
    Array.from({ length: 25 }, (_, r) => [`page-${r}`, `delete-${r}`, `after-${r}`]).flat()
  )
  await client.close()
})

it("actions sent before welcome (the token still being checked) are applied, in order", async () => {
  await server.notify(app, { users: ["order-2"], content: "early" })
  const token = await server.userToken(app, "order-2")
  for (const how of ["query", "hello"] as const) {
    const client = await connectWs(`${server.wsUrl}/v1/ws${how === "query" ? `?token=${token}` : ""}`)
    if (how === "hello") client.send({ type: "hello", token })
    client.send({ type: "unseen", ref: "u" })
    client.send({ type: "ping" })
    client.send({ type: "page", ref: "p" })
    expect((await client.next())["type"]).toBe("welcome")
    const unseen = resultOf(await client.next(reply("u"))) as Array<{ id: string }>
    expect(unseen.length, how).toBe(how === "query" ? 1 : 0)
    const page = resultOf(await client.next(reply("p"))) as Page
    expect(page.results.length, how).toBe(1)
    expect(
      client.frames.some((f) => f.type === "pong"),
      how
    ).toBe(true)
    // the first connection marks it seen, the second sees it so
    if (how === "query") client.send({ type: "seen", ids: [page.results[0]!.id], ref: "s" })
    if (how === "query") expect(resultOf(await client.next(reply("s")))).toEqual({ updated: 1 })
    await client.close()
  }
})

it("a socket that sends more than 256 frames faster than they are answered is closed 4008; the server keeps serving", async () => {
  const { client } = await connectUser(server, app, "order-3")
  // Far more than the limit, so that however the frames are split into reads and however fast
  // the server answers, more than 256 are waiting at some point (400 was not always enough).
  const flood = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ type: "page", ref: `f${i}` }))
  for (const frame of flood) client.socket.send(frame)
  expect((await client.closed).code).toBe(4008)
  const { client: again } = await connectUser(server, app, "order-3")
  again.send({ type: "page", ref: "ok" })
  expect((await again.next(reply("ok"))).ok).toBe(true)
  await again.close()
})
