/**
 * The WebSocket transport, `/v1/ws`: the token (and cursor) go in a first `hello` frame, so
 * they never appear in a URL; client actions travel over it and are answered by `reply`.
 *
 * A half-open connection (a network switch, a NAT entry that timed out) is invisible to a page:
 * the browser answers the server's protocol pings but does not expose them, and no `close`
 * comes until TCP gives up, minutes later. So the transport keeps its own heartbeat: after
 * `pingInterval` without any frame it sends `{"type":"ping"}`, and when nothing at all (the
 * `pong` or any other frame) arrives within `pongTimeout` it closes the socket and reports
 * `HeartbeatTimeout`, so the client reconnects from its cursor. Any frame counts as a sign of
 * life, so a busy connection sends no pings.
 */
import { Codes } from "../Codes.js"
import type { ResolvedPlatform } from "../Platform.js"
import type { Liveness, Transport } from "../Transport.js"
import type { ServerFrame } from "../types.js"

/** Builds the WebSocket transport over `platform.WebSocket`. */
export const websocket = (
  platform: ResolvedPlatform,
  { pingInterval = 25_000, pongTimeout = 10_000 }: Liveness
): Transport => {
  let socket: WebSocket | undefined
  /** The heartbeat timer of the open socket: the next ping, or the deadline of the last one. */
  let beat: unknown
  const close = () => {
    platform.clearTimeout(beat)
    if (socket === undefined) return
    socket.onopen = socket.onmessage = socket.onclose = null
    socket.close()
    socket = undefined
  }
  return {
    name: "websocket",
    actions: true,
    supported: () => platform.WebSocket !== undefined,
    connect({ url, token, cursor }, handlers) {
      close()
      const ws = new platform.WebSocket!(`${url.replace(/^http/, "ws")}/v1/ws`)
      socket = ws
      /** A frame arrived: the connection is alive; ping after the next silence. */
      const alive = () => {
        platform.clearTimeout(beat)
        if (pingInterval > 0) {
          beat = platform.setTimeout(() => {
            ws.send('{"type":"ping"}')
            beat = platform.setTimeout(() => {
              close()
              handlers.close(Codes.HeartbeatTimeout, "heartbeat timeout")
            }, pongTimeout)
          }, pingInterval)
        }
      }
      ws.onopen = () => ws.send(JSON.stringify({ type: "hello", token, cursor }))
      ws.onmessage = (event) => {
        alive()
        const frame = JSON.parse(String(event.data)) as ServerFrame
        if (frame.type === "welcome") handlers.open()
        handlers.frame(frame)
      }
      ws.onclose = (event) => {
        platform.clearTimeout(beat)
        socket = undefined
        handlers.close(event.code, event.reason)
      }
    },
    send(frame) {
      if (socket?.readyState !== 1) return false
      socket.send(JSON.stringify(frame))
      return true
    },
    close
  }
}
