/**
 * A WebSocket test client that records every frame and lets a test await the next frames
 * matching a predicate, with a timeout so a broken server fails the test instead of hanging it.
 */
import WebSocket from "ws"

type Frame = { readonly type: string; readonly [key: string]: unknown }

export interface WsClient {
  readonly socket: WebSocket
  /** Every frame received so far, in order. */
  readonly frames: Frame[]
  /** Resolves with the earliest frame (received or future) matching `predicate` not returned by `next` before. */
  readonly next: (predicate?: (f: Frame) => boolean, timeoutMs?: number) => Promise<Frame>
  /** Resolves once `count` frames matching `predicate` have been received in total. */
  readonly collect: (count: number, predicate?: (f: Frame) => boolean, timeoutMs?: number) => Promise<Frame[]>
  readonly send: (frame: unknown) => void
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>
  readonly close: () => Promise<void>
}

/** Opens a WebSocket to `url` (e.g. `ws://…/v1/ws?token=…`); `options` go to `ws` (a `ca` for wss). */
export const connectWs = (url: string, options?: WebSocket.ClientOptions): Promise<WsClient> =>
  new Promise((resolveOpen, rejectOpen) => {
    const socket = new WebSocket(url, options)
    const frames: Frame[] = []
    const waiters = new Set<() => void>()
    const taken = new Set<number>()
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      socket.once("close", (code, reason) => {
        for (const w of waiters) w()
        done({ code, reason: reason.toString() })
      })
    )
    socket.on("message", (data) => {
      frames.push(JSON.parse(data.toString()) as Frame)
      for (const w of waiters) w()
    })
    const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
      new Promise((done, fail) => {
        const attempt = () => {
          const value = check()
          if (value !== undefined) {
            waiters.delete(attempt)
            clearTimeout(timer)
            done(value)
          } else if (socket.readyState === WebSocket.CLOSED) {
            waiters.delete(attempt)
            clearTimeout(timer)
            fail(new Error(`socket closed while waiting for ${what}; frames: ${JSON.stringify(frames)}`))
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(attempt)
          fail(new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(frames)}`))
        }, timeoutMs)
        waiters.add(attempt)
        attempt()
      })
    const client: WsClient = {
      socket,
      frames,
      next: (predicate = () => true, timeoutMs = 5000) =>
        waitFor(
          () => {
            for (let i = 0; i < frames.length; i++) {
              const f = frames[i]!
              if (!taken.has(i) && predicate(f)) {
                taken.add(i)
                return f
              }
            }
            return undefined
          },
          timeoutMs,
          "a matching frame"
        ),
      collect: (count, predicate = () => true, timeoutMs = 5000) =>
        waitFor(
          () => {
            const matching = frames.filter(predicate)
            return matching.length >= count ? matching.slice(0, count) : undefined
          },
          timeoutMs,
          `${count} matching frames`
        ),
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
