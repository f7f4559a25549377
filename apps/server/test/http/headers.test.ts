/**
 * Over-long and malformed requests that node:http refuses before any route sees them
 * (PROTOCOL.md §10, issue 17 finding 3): the request line and headers are limited to
 * `requestHeaderBytes` (16 KiB); longer is 431 with the JSON error body, code `bad_request`,
 * and even a 300 KB path or a 1 MB Authorization header gets that answer, not a reset. A
 * request node cannot parse at all is 400 with the same body. The server keeps serving. And an
 * idle keep-alive connection outlives a proxy's (65 s), so reusing one never meets a reset.
 */
import { connect } from "node:net"
import { type Reply, request, type TestServer, useServers } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { expectAlive, expectError } from "./helpers.js"

const [server, small] = useServers({}, { config: { limits: { requestHeaderBytes: 4096 } } })

/**
 * Sends `raw` whole over a plain TCP socket and reads the answer to the end, as a Reply.
 * Rejects on a reset, which is what this suite must never see.
 */
const exchange = (s: TestServer, raw: string): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const socket = connect(s.port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("error", reject)
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8")
      const split = text.indexOf("\r\n\r\n")
      if (split < 0) return reject(new Error(`no answer: ${JSON.stringify(text.slice(0, 200))}`))
      const [statusLine, ...lines] = text.slice(0, split).split("\r\n")
      const headers = new Headers(
        lines.map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()])
      )
      const body = text.slice(split + 4)
      let parsed: unknown = body
      try {
        parsed = JSON.parse(body)
      } catch {}
      resolve({ status: Number(statusLine!.split(" ")[1]), headers, body: parsed, text: body })
    })
    socket.end(raw)
  })

const get = (path: string, headers: Record<string, string> = {}) =>
  `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}connection: close\r\n\r\n`

const KB = 1024

describe("request line and headers over requestHeaderBytes → 431 with the error body", () => {
  it.each([
    ["a 300 KB path", get(`/v1/me/notifications/${"a".repeat(300 * KB)}`)],
    [
      "a 1 MB Authorization header",
      get("/v1/me/counts", { authorization: `Bearer ${"x".repeat(1024 * KB)}` })
    ],
    ["a 17 KB query", get(`/v1/status/ping?pad=${"p".repeat(17 * KB)}`)],
    [
      "many headers adding up to 20 KB",
      get(
        "/v1/status/ping",
        Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-pad-${i}`, "h".repeat(512)]))
      )
    ],
    [
      "a WebSocket upgrade with a 64 KB token",
      get(`/v1/ws?token=${"t".repeat(64 * KB)}`, {
        upgrade: "websocket",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13"
      }).replace("connection: close", "connection: Upgrade")
    ],
    ["an SSE request with a 64 KB token", get(`/v1/sse?token=${"t".repeat(64 * KB)}`)]
  ])("%s", async (_, raw) => {
    const res = await exchange(server, raw)
    const error = expectError(res, 431, "bad_request")
    expect(error.message).toBe("the request line and headers are larger than 16384 bytes")
    await expectAlive(server.url)
  })

  it("answers through an ordinary HTTP client too", async () => {
    const res = await request(server.url, "GET", "/v1/me/counts", {
      headers: { authorization: `Bearer ${"x".repeat(1024 * KB)}` }
    })
    expectError(res, 431, "bad_request")
  })

  it("keeps headers just under the limit working", async () => {
    const res = await request(server.url, "GET", "/v1/status/ping", {
      headers: { "x-pad": "h".repeat(15 * KB) }
    })
    expect(res.status, res.text).toBe(200)
    expect(res.body).toEqual({ ok: true })
  })

  it("follows the configured limit", async () => {
    const pad = { "x-pad": "h".repeat(5 * KB) }
    const res = await exchange(small, get("/v1/status/ping", pad))
    const error = expectError(res, 431, "bad_request")
    expect(error.message).toContain("4096 bytes")
    expect((await exchange(server, get("/v1/status/ping", pad))).status).toBe(200)
  })
})

describe("requests node:http cannot parse → 400 with the error body", () => {
  it.each([
    ["a garbage request line", "NOT HTTP AT ALL\r\n\r\n"],
    ["a header without a colon", "GET /v1/status/ping HTTP/1.1\r\nhost: x\r\nbroken header\r\n\r\n"],
    ["a bad Content-Length", "POST /v1/notify HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n{}"],
    ["a NUL in a header value", "GET /v1/status/ping HTTP/1.1\r\nhost: x\r\nx-a: a\u0000b\r\n\r\n"]
  ])("%s", async (_, raw) => {
    const res = await exchange(server, raw)
    expectError(res, 400, "bad_request")
    await expectAlive(server.url)
  })
})

describe("idle keep-alive connections", () => {
  it("stay open past Node's 5 s default, and say for how long (65 s, above a proxy's 60 s)", async () => {
    const socket = connect(server.port, "127.0.0.1")
    let received = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      received += chunk
    })
    const answers = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (received.split("HTTP/1.1 200").length - 1 >= n) return resolve()
          if (socket.destroyed) return reject(new Error(`closed after: ${received.slice(0, 300)}`))
          setTimeout(check, 20)
        }
        check()
      })
    const ping = "GET /v1/status/ping HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"
    socket.write(ping)
    await answers(1)
    expect(received.toLowerCase()).toContain("keep-alive: timeout=65")
    await new Promise((r) => setTimeout(r, 6000))
    expect(socket.destroyed).toBe(false)
    socket.write(ping)
    await answers(2)
    socket.destroy()
  }, 20_000)
})
