// Peer server for the bench: socket.io@4 the way its docs do it. Each socket joins a room named
// after its user (handshake query `user`); an HTTP push emits "m" to that room, a broadcast emits
// to everyone. WebSocket transport only, so it is compared on the same wire as the others.
import { Server } from "socket.io"
import { listen, pushEndpoint } from "./push-endpoint.mjs"

const server = pushEndpoint({
  push: (user, payload) => io.to(user).emit("m", payload),
  broadcast: (payload) => io.emit("m", payload)
})
const io = new Server(server, { transports: ["websocket"], serveClient: false })
io.on("connection", (socket) => socket.join(String(socket.handshake.query.user)))
listen(server)
