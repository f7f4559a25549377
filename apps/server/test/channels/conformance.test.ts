/**
 * Channels conformance (PROTOCOL.md §12), the same steps on WebSocket, SSE and long-poll: a
 * subscription gets `subscribed`, then the publications in offset order; coming back with a
 * position recovers exactly the missed ones (`recovered: true`); a position of another epoch
 * recovers none (`recovered: false`); publishing is refused where the namespace or the grants do
 * not allow it; a refused subscribe (forbidden, not_found) leaves the connection open and the
 * other channels flowing. One server for the file, one app per transport.
 */
import type { ServerFrame } from "@pushback/protocol/types"
import { request, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import {
  ask,
  type Connect,
  connectSseChannels,
  connectWsChannels,
  openWs,
  publishAs,
  pollChannels,
  putNamespace,
  type Since,
  tokenWith
} from "./clients.js"

const server = useServer()

type Subscribed = Extract<ServerFrame, { type: "subscribed" }>
type Publication = Extract<ServerFrame, { type: "publication" }>

const isSubscribed =
  (channel: string) =>
  (f: ServerFrame): f is Subscribed =>
    f.type === "subscribed" && f.channel === channel
const isPublication =
  (channel: string) =>
  (f: ServerFrame): f is Publication =>
    f.type === "publication" && f.channel === channel

describe.each([
  { transport: "ws", connect: connectWsChannels },
  { transport: "sse", connect: connectSseChannels },
  { transport: "poll", connect: pollChannels(5) }
] satisfies ReadonlyArray<{ transport: string; connect: Connect }>)(
  "$transport",
  ({ transport, connect }) => {
    let app: TestApp
    let alice: string
    const doc = `docs:${transport}`

    beforeAll(async () => {
      app = await server.newApp(`channels-${transport}`)
      await putNamespace(server, app, "docs", {
        presence: true,
        joinLeave: true,
        clientPublish: true,
        history: { size: 100, ttlSeconds: 600 }
      })
      await putNamespace(server, app, "open", { public: true })
      await putNamespace(server, app, "secret", { clientPublish: true })
      alice = tokenWith(app, "alice", ["docs:*"])
    })

    it("subscribes, gets the publications in offset order, and recovers exactly what it missed", async () => {
      const client = await connect(server, alice, [doc])
      const first = await client.next(isSubscribed(doc))
      expect(first).toMatchObject({ recovered: false, publications: [] })
      const sent = [1, 2, 3, 4, 5].map((n) => ({ n }))
      for (const data of sent) await publishAs(server, app, doc, data)
      const got = await client.collect(5, isPublication(doc))
      expect(got.map((p) => p.offset)).toEqual([1, 2, 3, 4, 5].map((n) => first.offset + n))
      expect(got.map((p) => p.data)).toEqual(sent)
      await client.close()

      // Missed while away: exactly those, recovered.
      const at: Since = { epoch: first.epoch, offset: got[4]!.offset }
      for (const n of [6, 7, 8]) await publishAs(server, app, doc, { n })
      const back = await connect(server, alice, [doc], { [doc]: at })
      const again = await back.next(isSubscribed(doc))
      expect(again.recovered).toBe(true)
      expect(again.epoch).toBe(first.epoch)
      expect(again.publications.map((p) => p.data)).toEqual([{ n: 6 }, { n: 7 }, { n: 8 }])
      expect(again.publications.map((p) => p.offset)).toEqual([at.offset + 1, at.offset + 2, at.offset + 3])
      // …then live ones follow, none twice.
      await publishAs(server, app, doc, { n: 9 })
      const live = await back.next(isPublication(doc))
      expect(live).toMatchObject({ offset: at.offset + 4, data: { n: 9 } })
      await back.close()
    })

    it("recovers nothing from a position of another epoch (recovered: false)", async () => {
      await publishAs(server, app, doc, { n: "x" })
      const client = await connect(server, alice, [doc], { [doc]: { epoch: "NotThisOne", offset: 1 } })
      const subscribed = await client.next(isSubscribed(doc))
      expect(subscribed.recovered).toBe(false)
      expect(subscribed.publications).toEqual([])
      expect(subscribed.epoch).not.toBe("NotThisOne")
      await client.close()
    })

    it("a refused subscribe (forbidden, not_found) leaves the connection open for the other channels", async () => {
      const client = await connect(server, alice, ["secret:1", "ghost:1", doc])
      if (transport === "ws") {
        const replies = client.frames.filter((f) => f.type === "reply" && !f.ok)
        expect(replies.map((f) => (f as { error: { code: string } }).error.code)).toEqual([
          "forbidden",
          "not_found"
        ])
      } else {
        const refused = await client.collect(2, (f) => f.type === "unsubscribed")
        expect(
          refused.map((f) => [(f as { channel: string }).channel, (f as { reason: string }).reason]).sort()
        ).toEqual([
          ["ghost:1", "not_found"],
          ["secret:1", "forbidden"]
        ])
      }
      await client.next(isSubscribed(doc))
      const position = await publishAs(server, app, doc, { still: "open" })
      expect(await client.next(isPublication(doc))).toMatchObject({
        offset: position.offset,
        data: { still: "open" }
      })
      expect(client.isEnded()).toBe(false)
      await client.close()
    })

    it("refuses publishing where it is not allowed", async () => {
      const me = (channel: string, token: string) =>
        request(server.url, "POST", `/v1/me/channels/${channel}/publish`, { token, body: { data: 1 } })
      // clientPublish off (open:), not granted (secret:), unknown namespace, and allowed (docs:).
      expect((await me("open:1", alice)).status).toBe(403)
      expect((await me("secret:1", alice)).status).toBe(403)
      expect((await me("ghost:1", alice)).status).toBe(404)
      expect((await me(doc, alice)).status).toBe(200)
      if (transport !== "ws") return
      const ws = await openWs(server, alice, [doc])
      expect(await ask(ws, { type: "publish", channel: "open:1", data: 1 })).toMatchObject({
        ok: false,
        error: { code: "forbidden" }
      })
      expect(await ask(ws, { type: "publish", channel: "secret:1", data: 1 })).toMatchObject({
        ok: false,
        error: { code: "forbidden" }
      })
      // Allowed: every other subscriber gets it, with its user; the publishing session does not.
      const other = await openWs(server, tokenWith(app, "ola", ["docs:*"]), [doc])
      expect(await ask(ws, { type: "publish", channel: doc, data: "mine" })).toMatchObject({ ok: true })
      expect(await other.next(isPublication(doc))).toMatchObject({ data: "mine", user: "alice" })
      await publishAs(server, app, doc, "after")
      expect(await ws.next(isPublication(doc))).toMatchObject({ data: "after" })
      expect(ws.frames.filter(isPublication(doc)).map((f) => f.data)).toEqual(["after"])
      await Promise.all([ws.close(), other.close()])
    })
  }
)
