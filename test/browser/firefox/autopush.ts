/**
 * A stand-in for Mozilla's push service (autopush) on loopback, for the Firefox Web Push test:
 * the WebSocket protocol Firefox speaks to its push server (`dom.push.serverURL`) — `hello` →
 * `{uaid, status: 200, use_webpush: true}`, `register` → `{channelID, status: 200, pushEndpoint}`,
 * `unregister`, pings — and the push endpoints it hands out, on HTTPS with a self-signed
 * certificate (the PushBack server trusts it through `NODE_EXTRA_CA_CERTS`). Each POST to an
 * endpoint is relayed to the browser as `{messageType: "notification", channelID, version, data,
 * headers: {encoding: "aes128gcm"}}` with the encrypted body as is: the browser decrypts it.
 */
import { randomUUID } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer as createHttpServer } from "node:http"
import { createServer as createHttpsServer } from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type WebSocket, WebSocketServer } from "ws"
import { commandOk } from "../../../scripts/vitest/command.mjs"

/** Starts the stand-in; `wsUrl` goes in Firefox's prefs, `caFile` in the server's environment. */
export const startAutopush = async () => {
  const dir = mkdtempSync(join(tmpdir(), "pushback-autopush-"))
  await commandOk("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
    ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2"],
    ...["-subj", "/CN=pushback autopush stand-in", "-addext", "subjectAltName=IP:127.0.0.1"]
  ])
  const channels = new Map<string, WebSocket>()
  /** What happened, for the test's messages when something does not. */
  const log: Array<string> = []
  let endpointBase = ""

  const http = createHttpServer()
  const wss = new WebSocketServer({ server: http })
  wss.on("connection", (socket) => {
    socket.on("message", (raw) => {
      const m = JSON.parse(String(raw)) as Record<string, unknown>
      const type = m["messageType"]
      log.push(`browser: ${type === "nack" || type === "ack" ? JSON.stringify(m) : (type ?? "ping")}`)
      const send = (reply: Record<string, unknown>) => socket.send(JSON.stringify(reply))
      if (type === "hello") {
        for (const id of (m["channelIDs"] as Array<string> | undefined) ?? []) channels.set(id, socket)
        send({
          messageType: "hello",
          uaid: (m["uaid"] as string) || randomUUID(),
          status: 200,
          use_webpush: true
        })
      } else if (type === "register") {
        const channelID = String(m["channelID"])
        channels.set(channelID, socket)
        send({
          messageType: "register",
          channelID,
          status: 200,
          pushEndpoint: `${endpointBase}/push/${channelID}`
        })
      } else if (type === "unregister") {
        channels.delete(String(m["channelID"]))
        send({ messageType: "unregister", channelID: m["channelID"], status: 200 })
      } else if (type === undefined) {
        send({})
      }
    })
  })

  const https = createHttpsServer(
    { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
    (req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const channelID = /^\/push\/([^/]+)$/.exec(req.url ?? "")?.[1]
        const socket = channelID === undefined ? undefined : channels.get(channelID)
        log.push(`push to ${channelID}: ${socket === undefined ? "unknown" : "relayed"}`)
        if (socket === undefined) return res.writeHead(410).end()
        socket.send(
          JSON.stringify({
            messageType: "notification",
            channelID,
            version: randomUUID(),
            data: Buffer.concat(chunks).toString("base64url"),
            headers: { encoding: String(req.headers["content-encoding"] ?? "aes128gcm") }
          })
        )
        res.writeHead(201).end()
      })
    }
  )
  const listen = (s: import("node:net").Server) =>
    new Promise<number>((resolve) =>
      s.listen(0, "127.0.0.1", () => resolve((s.address() as { port: number }).port))
    )
  const wsPort = await listen(http)
  endpointBase = `https://127.0.0.1:${await listen(https)}`

  return {
    wsUrl: `ws://127.0.0.1:${wsPort}/`,
    caFile: join(dir, "cert.pem"),
    log,
    stop: async () => {
      for (const c of wss.clients) c.terminate()
      await new Promise((r) => wss.close(r))
      await new Promise((r) => http.close(r))
      await new Promise((r) => https.close(r))
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
