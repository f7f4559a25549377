/**
 * The Server-Sent Events transport, `/v1/sse`: one long answer carrying the same frames as
 * WebSocket, one event per frame. The browser's own reconnect is not used (the client owns
 * reconnection, backoff, cursors and tokens), so the EventSource is closed on any error.
 * An EventSource cannot read the status of a refused request, so a failure before `welcome`
 * is checked with one REST call: 401 there means the token, anything else the network.
 */
import { EndFrameCodes } from "@pushback/protocol/codes"
import { Codes } from "../Codes.js"
import type { ResolvedPlatform } from "../Platform.js"
import type { Transport } from "../Transport.js"
import type { ServerFrame } from "../types.js"

/**
 * The frames listened to: every stream entry type must be here (an entry missed would be a gap,
 * and the resume would miss it again), the chat's too (§13), whether or not `/chat` is used.
 */
const EVENTS = [
  "welcome",
  "notification",
  "seen",
  "read",
  "deleted",
  "reset",
  "error",
  "message",
  "conversation",
  "conversation_read",
  "typing"
]

/** Builds the SSE transport over `platform.EventSource`. */
export const sse = (platform: ResolvedPlatform): Transport => {
  let source: EventSource | undefined
  const close = () => {
    source?.close()
    source = undefined
  }
  return {
    name: "sse",
    actions: false,
    supported: () => platform.EventSource !== undefined,
    connect({ url, token, cursor }, handlers) {
      close()
      const query = `?token=${encodeURIComponent(token)}${cursor === undefined ? "" : `&cursor=${cursor}`}`
      const es = new platform.EventSource!(`${url}/v1/sse${query}`)
      source = es
      let opened = false
      const end = (code: number, reason: string) => {
        if (source !== es) return
        close()
        handlers.close(code, reason)
      }
      const listener = (event: Event) => {
        const data = (event as MessageEvent).data
        if (typeof data !== "string") {
          // The connection failed (not a server `error` event, which has data).
          if (opened) return end(Codes.ConnectionLost, "connection lost")
          es.close()
          platform
            .fetch(`${url}/v1/me/counts`, { headers: { authorization: `Bearer ${token}` } })
            .then(
              (res) => res.status === 401,
              () => false
            )
            .then((refused) => end(refused ? Codes.Unauthorized : Codes.ConnectionLost, "could not connect"))
          return
        }
        const frame = JSON.parse(data) as ServerFrame
        if (frame.type === "error")
          return end((EndFrameCodes as Record<string, number>)[frame.code] ?? Codes.Normal, frame.message)
        if (frame.type === "welcome") {
          opened = true
          handlers.open()
        }
        handlers.frame(frame)
      }
      for (const type of EVENTS) es.addEventListener(type, listener)
    },
    send: () => false,
    close
  }
}
