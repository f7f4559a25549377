// The HTTP push edge shared by the peer servers (raw ws, socket.io): POST /push {user, payload}
// sends payload to that user's sockets, POST /broadcast {payload} to every socket. Nothing else:
// no auth, no storage, answer 202 once the sends are queued. This is the "HTTP push → socket
// send" baseline that PushBack is compared against. The server exits when its stdin closes, so
// a crashed load generator never leaves one behind.
import { createServer } from "node:http"

/** An HTTP server calling `push(user, payload)` and `broadcast(payload)`; anything else is 404. */
export const pushEndpoint = ({ push, broadcast }) =>
  createServer((req, res) => {
    if (req.method !== "POST" || (req.url !== "/push" && req.url !== "/broadcast")) {
      res.writeHead(404).end()
      return
    }
    const chunks = []
    req.on("data", (c) => chunks.push(c))
    req.on("end", () => {
      let body
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"))
      } catch {
        res.writeHead(400).end()
        return
      }
      if (req.url === "/push") push(String(body.user), body.payload)
      else broadcast(body.payload)
      res.writeHead(202, { "content-length": "0" }).end()
    })
  })

/** Listens on 127.0.0.1 (port 0 unless PORT is set) and prints the line the bench waits for. */
export const listen = (server) => {
  server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`)
  })
  process.stdin.resume()
  process.stdin.on("end", () => process.exit(0))
  process.on("SIGTERM", () => process.exit(0))
}
