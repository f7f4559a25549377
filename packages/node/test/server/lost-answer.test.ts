/**
 * The guarantee `notify`'s idempotency key exists for: when the answer to a notify call is
 * lost after the server acted on it, the SDK's retry must not create a second notification.
 * A loopback proxy between the SDK and the real server forwards the first `POST /v1/notify`,
 * waits for the server's answer, then drops it (destroys the socket, or holds it past the
 * SDK's timeout).
 */
import { type IncomingMessage, type Server, createServer, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"
import { type TestServer, createApp, startServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PushBack } from "../../src/index.js"

let server: TestServer

beforeAll(async () => {
  server = await startServer()
}, 60_000)

afterAll(async () => {
  await server?.dispose()
})

type Mode = "drop" | "stall"

interface Proxy {
  readonly url: string
  /** The Idempotency-Key header of every notify request that reached the server. */
  readonly notifyKeys: Array<string | undefined>
  readonly close: () => Promise<void>
}

const readBody = (message: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    message.on("data", (chunk: Buffer) => chunks.push(chunk))
    message.on("end", () => resolve(Buffer.concat(chunks)))
    message.on("error", reject)
  })

/** A proxy on 127.0.0.1:0 that loses the server's answer to the first notify call. */
const startProxy = async (target: string, mode: Mode): Promise<Proxy> => {
  const upstream = new URL(target)
  const notifyKeys: Array<string | undefined> = []
  const stalled: Array<() => void> = []
  const proxy: Server = createServer(async (req, res) => {
    const body = await readBody(req)
    const isNotify = req.method === "POST" && req.url === "/v1/notify"
    if (isNotify) notifyKeys.push(req.headers["idempotency-key"] as string | undefined)
    const loseIt = isNotify && notifyKeys.length === 1
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host }
      },
      async (answer) => {
        const answerBody = await readBody(answer)
        if (loseIt && mode === "drop") {
          // The server has acted and answered; the client never hears of it.
          req.socket.destroy()
          return
        }
        if (loseIt && mode === "stall") {
          stalled.push(() => req.socket.destroy())
          return
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        res.end(answerBody)
      }
    )
    forward.on("error", () => req.socket.destroy())
    forward.end(body)
  })
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve))
  const { port } = proxy.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    notifyKeys,
    close: async () => {
      for (const release of stalled) release()
      proxy.closeAllConnections()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    }
  }
}

describe("a lost notify answer", () => {
  it.each<[Mode, string]>([
    ["drop", "the connection is reset after the server answered"],
    ["stall", "the answer never comes and the attempt times out"]
  ])("is retried with the same key, and exactly one notification exists (%s: %s)", async (mode) => {
    const app = await createApp(server, `lost-${mode}`)
    const proxy = await startProxy(server.url, mode)
    try {
      const pb = new PushBack({
        url: proxy.url,
        secret: app.secret,
        timeoutMs: mode === "stall" ? 1000 : 10_000,
        retryBaseDelayMs: 10
      })
      const answer = await pb.notify({ users: ["alice"], title: "Once", content: "only once" })
      expect(answer).toMatchObject({ recipients: 1 })

      expect(proxy.notifyKeys).toHaveLength(2)
      expect(proxy.notifyKeys[0]).toBeDefined()
      expect(proxy.notifyKeys[1]).toBe(proxy.notifyKeys[0])

      const direct = new PushBack({ url: server.url, secret: app.secret })
      const list = await direct.listNotifications("alice")
      expect(list.count).toBe(1)
      expect(list.results[0]).toMatchObject({ title: "Once", content: "only once" })
    } finally {
      await proxy.close()
    }
  })
})
