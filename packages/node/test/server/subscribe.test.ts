/**
 * `subscribe` against the real, built server on port 0: delivery over WebSocket (notifications,
 * and marks made elsewhere as entries), and over SSE when a proxy refuses WebSocket upgrades;
 * resume from a stored cursor after the client is closed and made again; nothing lost or repeated
 * over a server restart; a fresh token after 4009, for `{ user }` and for `{ token }`; a failing
 * callback that leaves its entry for the next run; and a process that subscribes, closes and then
 * exits by itself (no timer, no socket).
 */
import { execFile } from "node:child_process"
import { createServer, request as httpRequest, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { createApp, request, type TestServer, startServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  Codes,
  type Notification,
  PushBack,
  type StateEvent,
  type SubscribeOptions
} from "../../src/index.js"

let server: TestServer
let pb: PushBack
let secret: string

beforeAll(async () => {
  server = await startServer()
  secret = (await createApp(server, "subscribe")).secret
  pb = new PushBack({ url: server.url, secret })
}, 60_000)

afterAll(async () => {
  await server?.dispose()
})

/** Polls `check` every 20 ms until it holds, for up to `ms`. */
const until = async (check: () => boolean, ms = 10_000, what = "a condition") => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** A subscription that records what it gets, with quick retries. */
const record = (
  target: Parameters<PushBack["subscribe"]>[0],
  options: SubscribeOptions = {},
  client = pb
) => {
  const got: Array<Notification> = []
  const entries: Array<string> = []
  const states: Array<StateEvent> = []
  const cursors: Array<number> = []
  const sub = client.subscribe(target, {
    minReconnectDelay: 100,
    maxReconnectDelay: 500,
    ...options,
    onEntry: (e) => {
      entries.push(`${e.seq}:${e.type}`)
    },
    onNotification: (n) => {
      got.push(n)
    },
    onState: (e) => {
      states.push(e)
    },
    onCursor: (c) => {
      cursors.push(c)
    }
  })
  const connected = (transport?: string) =>
    until(
      () => sub.state === "connected" && (transport === undefined || states.at(-1)?.transport === transport),
      10_000,
      `connected${transport ? ` over ${transport}` : ""}`
    )
  return { sub, got, entries, states, cursors, connected }
}

/** A loopback proxy that forwards HTTP (streaming, for SSE) and refuses every WebSocket upgrade. */
const noWebSocket = async (target: string): Promise<{ url: string; close: () => Promise<void> }> => {
  const upstream = new URL(target)
  const proxy: Server = createServer((req, res) => {
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    forward.on("error", () => res.destroy())
    req.pipe(forward)
  })
  proxy.on("upgrade", (_req, socket) => socket.destroy())
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: async () => {
      proxy.closeAllConnections()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    }
  }
}

const titles = (list: ReadonlyArray<Notification>) => list.map((n) => n.title)

describe("subscribe", () => {
  it("delivers each notification once over WebSocket, with the cursor after each, and marks as entries", async () => {
    const { sub, got, entries, cursors, connected } = record({ user: "ws-user" })
    try {
      await connected("websocket")
      await pb.notify({ users: ["ws-user"], title: "one", content: "1" })
      await pb.notify({ users: ["ws-user"], title: "two", content: "2" })
      await until(() => got.length === 2, 10_000, "two notifications")
      expect(titles(got)).toEqual(["one", "two"])
      // A mark made in the user's browser reaches the worker as an entry.
      const read = await request(server.url, "PATCH", "/v1/me/notifications", {
        token: pb.createUserToken("ws-user"),
        body: { ids: [got[0]!.id], read: true }
      })
      expect(read.status).toBe(200)
      await until(() => entries.length === 3)
      expect(entries).toEqual(["1:notification", "2:notification", "3:read"])
      // The starting point (the user's latest seq at the welcome: 0), then each entry handled.
      await until(() => cursors.length === 4)
      expect(cursors).toEqual([0, 1, 2, 3])
      expect(sub.cursor).toBe(3)
    } finally {
      await sub.close()
    }
  })

  it("falls back to SSE when WebSocket cannot connect, and delivers there", async () => {
    const proxy = await noWebSocket(server.url)
    const viaProxy = new PushBack({ url: proxy.url, secret })
    const { sub, got, states, connected } = record({ user: "sse-user" }, {}, viaProxy)
    try {
      await connected("sse")
      expect(states.some((s) => s.transport === "websocket")).toBe(false)
      await pb.notify({ users: ["sse-user"], title: "over sse", content: "x" })
      await until(() => got.length === 1, 10_000, "a notification over SSE")
      expect(titles(got)).toEqual(["over sse"])
    } finally {
      await sub.close()
      await proxy.close()
    }
  }, 30_000)

  it("resumes from a stored cursor when made again: exactly what came after it", async () => {
    const first = record({ user: "resumer" }, {})
    await first.connected()
    await pb.notify({ users: ["resumer"], title: "a", content: "a" })
    await until(() => first.got.length === 1)
    // What a worker stores from onCursor, and passes back when it starts again.
    const stored = first.cursors.at(-1)
    await first.sub.close()
    for (const title of ["b", "c", "d"]) await pb.notify({ users: ["resumer"], title, content: title })
    const second = record({ user: "resumer" }, { cursor: stored })
    try {
      await until(() => second.got.length === 3, 10_000, "the three sent while closed")
      expect(titles(second.got)).toEqual(["b", "c", "d"])
      await pb.notify({ users: ["resumer"], title: "e", content: "e" })
      await until(() => second.got.length === 4)
      expect(titles(second.got)).toEqual(["b", "c", "d", "e"])
      expect(second.cursors.at(-1)).toBe(5)
    } finally {
      await second.sub.close()
    }
  })

  it("loses and repeats nothing over a server restart", async () => {
    const { sub, got, states, connected } = record({ user: "restarter" })
    try {
      await connected()
      for (const title of ["1", "2", "3"]) await pb.notify({ users: ["restarter"], title, content: title })
      await until(() => got.length === 3)
      server = await server.restart()
      await connected()
      for (const title of ["4", "5", "6"]) await pb.notify({ users: ["restarter"], title, content: title })
      await until(() => got.length === 6, 15_000, "six notifications")
      expect(titles(got)).toEqual(["1", "2", "3", "4", "5", "6"])
      expect(states.some((s) => s.code === Codes.GoingAway)).toBe(true)
      expect(sub.cursor).toBe(6)
    } finally {
      await sub.close()
    }
  }, 60_000)

  it("mints a fresh token when the server closes with 4009, and goes on from its cursor", async () => {
    const { sub, got, states, connected } = record({ user: "short-lived", ttlSeconds: 2 })
    try {
      await connected("websocket")
      await pb.notify({ users: ["short-lived"], title: "before", content: "x" })
      await until(() => got.length === 1)
      await until(() => states.some((s) => s.code === Codes.TokenExpired), 10_000, "4009")
      await connected()
      await pb.notify({ users: ["short-lived"], title: "after", content: "y" })
      await until(() => got.length === 2)
      expect(titles(got)).toEqual(["before", "after"])
    } finally {
      await sub.close()
    }
  }, 30_000)

  it("with { token }, starts with that token and mints the next ones for its user", async () => {
    const { sub, got, states, connected } = record({ token: pb.createUserToken("holder", { ttlSeconds: 2 }) })
    try {
      await connected("websocket")
      await until(() => states.some((s) => s.code === Codes.TokenExpired), 10_000, "4009")
      await connected()
      await pb.notify({ users: ["holder"], title: "still here", content: "z" })
      await until(() => got.length === 1)
      expect(titles(got)).toEqual(["still here"])
    } finally {
      await sub.close()
    }
  }, 30_000)

  it("a callback that throws closes it before its entry counts: a worker started again gets that entry", async () => {
    const errors: Array<unknown> = []
    const cursors: Array<number> = []
    const failing = pb.subscribe(
      { user: "fragile" },
      {
        onNotification: (n) => {
          if (n.title === "bad") throw new Error("cannot handle it")
        },
        onCursor: (c) => {
          cursors.push(c)
        },
        onError: (e) => errors.push(e)
      }
    )
    await until(() => failing.state === "connected")
    await pb.notify({ users: ["fragile"], title: "good", content: "1" })
    await pb.notify({ users: ["fragile"], title: "bad", content: "2" })
    await until(() => failing.state === "closed", 10_000, "closed by the failure")
    expect(errors).toHaveLength(1)
    expect(cursors).toEqual([0, 1])
    const again = record({ user: "fragile" }, { cursor: cursors.at(-1) })
    try {
      await until(() => again.got.length === 1)
      expect(titles(again.got)).toEqual(["bad"])
    } finally {
      await again.sub.close()
    }
  })

  it("a process that subscribes and then closes exits by itself: no timer or socket is left", async () => {
    const script = fileURLToPath(new URL("./fixtures/subscribe-and-close.mjs", import.meta.url))
    const started = Date.now()
    const { stdout } = await promisify(execFile)(process.execPath, [script, server.url, secret], {
      timeout: 20_000
    })
    expect(stdout.trim()).toBe("got hello; closed")
    // Well before any timer of the client (a heartbeat at 25 s, a token at 1 h) could have fired.
    expect(Date.now() - started).toBeLessThan(15_000)
  }, 30_000)
})
