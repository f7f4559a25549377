/**
 * The WebSocket transport, `/v1/ws`: the token (and cursor) go in a first `hello` frame, so
 * they never appear in a URL; client actions travel over it and are answered by `reply`.
 */
import type { ResolvedPlatform } from "../Platform.js"
import type { Transport } from "../Transport.js"
import type { ServerFrame } from "../types.js"

/** Builds the WebSocket transport over `platform.WebSocket`. */
export const websocket = (platform: ResolvedPlatform): Transport => {
  let socket: WebSocket | undefined
  const close = () => {
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
      ws.onopen = () => ws.send(JSON.stringify({ type: "hello", token, cursor }))
      ws.onmessage = (event) => {
        const frame = JSON.parse(String(event.data)) as ServerFrame
        if (frame.type === "welcome") handlers.open()
        handlers.frame(frame)
      }
      ws.onclose = (event) => {
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
