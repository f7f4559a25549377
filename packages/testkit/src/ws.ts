/**
 * A WebSocket test client: every frame goes into the one frame recorder (frames.ts), so a test
 * awaits the next frames matching a predicate with a timeout, and a broken server fails the
 * test instead of hanging it.
 */
import WebSocket from "ws"
import { type FrameStream, recordFrames, type ServerFrame } from "./frames.js"

/** An open WebSocket and the frames it received; `F` as in `FrameStream`. */
export interface WsClient<F = ServerFrame> extends FrameStream<F> {
  readonly socket: WebSocket
  readonly send: (frame: unknown) => void
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>
  readonly close: () => Promise<void>
}

/** Opens a WebSocket to `url` (e.g. `ws://…/v1/ws?token=…`); `options` go to `ws` (a `ca` for wss). */
export const connectWs = <F = ServerFrame>(
  url: string,
  options?: WebSocket.ClientOptions
): Promise<WsClient<F>> =>
  new Promise((resolveOpen, rejectOpen) => {
    const socket = new WebSocket(url, options)
    const recorder = recordFrames<F>()
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      socket.once("close", (code, reason) => {
        recorder.end({ code })
        done({ code, reason: reason.toString() })
      })
    )
    socket.on("message", (data) => recorder.push(JSON.parse(data.toString()) as F))
    const { push: _push, end: _end, ...stream } = recorder
    const client: WsClient<F> = {
      ...stream,
      socket,
      send: (frame) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
      closed,
      close: async () => {
        if (socket.readyState !== WebSocket.CLOSED) socket.close()
        await closed
      }
    }
    socket.once("open", () => resolveOpen(client))
    socket.once("error", (err) => {
      if (socket.readyState !== WebSocket.OPEN) rejectOpen(err)
    })
  })
