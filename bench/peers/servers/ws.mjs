// Peer server for the bench: a bare ws@8 server. Sockets connect to /?user=ID; an HTTP push
// sends JSON.stringify(payload) to that user's sockets (a broadcast serializes once). No other
// logic: the floor for "HTTP push → socket send" in Node.
import { WebSocketServer } from "ws"
import { listen, pushEndpoint } from "./push-endpoint.mjs"

const byUser = new Map() // user → Set of sockets
const server = pushEndpoint({
  push(user, payload) {
    const sockets = byUser.get(user)
    if (!sockets) return
    const frame = JSON.stringify(payload)
    for (const ws of sockets) ws.send(frame)
  },
  broadcast(payload) {
    const frame = JSON.stringify(payload)
    for (const ws of wss.clients) ws.send(frame)
  }
})
const wss = new WebSocketServer({ server })
wss.on("connection", (ws, req) => {
  const user = new URL(req.url, "http://x").searchParams.get("user") ?? ""
  const sockets = byUser.get(user) ?? new Set()
  byUser.set(user, sockets)
  sockets.add(ws)
  ws.on("close", () => {
    sockets.delete(ws)
    if (sockets.size === 0) byUser.delete(user)
  })
})
listen(server)
