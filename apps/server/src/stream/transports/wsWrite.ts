/**
 * The write path of a WebSocket session: how the frames the hub and `openStream` hand a session
 * reach its socket. This is the hot path of a broadcast, so it stays plain code: a stream entry
 * goes as the bytes encoded once for every session of its user (frames.ts), and a notification
 * with a large body as one message in three fragments (the recipient's head, the body every
 * recipient of the call shares as one Buffer, the tail), never copied per socket. A socket with
 * more than `sessionQueueBytes` unsent is a slow consumer: closed 4008, its queue never grows.
 * Also the serial queue that keeps a socket's work in the order it came.
 */
import { CloseCodes } from "@pushback/protocol"
import type { WebSocket } from "ws"
import type { StreamEntry } from "../../notify/Encode.js"
import type { MetricsShape } from "../../stats/Metrics.js"
import { entryBytes, type Frame, sharedPieces } from "../frames.js"

/** Tasks one socket may have waiting for their turn; past it the socket is closed 4008. */
export const MAX_WAITING_FRAMES = 256

/** A queue of tasks run one at a time (`makeSerialQueue`). */
export interface SerialQueue {
  /** Queues a task; false (not queued) when `max` tasks are already waiting. */
  readonly push: (task: () => Promise<unknown> | unknown) => boolean
}

/**
 * Runs tasks one at a time, each once the one before it has finished, in the order they were
 * pushed. `push` refuses (false) when `max` tasks are already waiting. A failing task is logged
 * and does not stop the ones after it.
 */
export const makeSerialQueue = (max: number): SerialQueue => {
  let tail: Promise<void> = Promise.resolve()
  let waiting = 0
  return {
    push: (task) => {
      if (waiting >= max) return false
      waiting++
      tail = tail.then(async () => {
        try {
          await task()
        } catch (e) {
          console.error(`[pushback] websocket frame failed: ${String(e)}`)
        } finally {
          waiting--
        }
      })
      return true
    }
  }
}

/** How a session writes to its socket. */
export interface WsWrite {
  /** Sends JSON text; false when the socket did not take it (closed, or a slow consumer). */
  readonly send: (text: string) => boolean
  /** A session's `write`: text as is, a stream entry as its bytes encoded once. */
  readonly write: (frame: Frame) => boolean
}

/**
 * The write path of a session on `ws`, with at most `limit` bytes unsent; `close` is the
 * connection's own close (a slow consumer is closed 4008).
 */
export const makeWsWrite = (
  ws: WebSocket,
  limit: number,
  metrics: MetricsShape,
  close: (code: number, reason: string) => void
): WsWrite => {
  /** Whether `bytes` more fit in the socket's queue; closes a slow consumer when not. */
  const fits = (bytes: number): boolean => {
    if (ws.readyState !== ws.OPEN) return false
    if (ws.bufferedAmount + bytes <= limit) return true
    metrics.counters.slowConsumersClosed++
    close(CloseCodes.Policy, "slow consumer")
    return false
  }
  const send = (data: string | Buffer): boolean => {
    if (!fits(data.length)) return false
    metrics.counters.framesSent++
    ws.send(data, { binary: false })
    return true
  }
  const sendEntry = (entry: StreamEntry): boolean => {
    const pieces = sharedPieces(entry)
    if (pieces === undefined) return send(entryBytes(entry))
    const [head, body, tail] = pieces
    if (!fits(head.length + body.length + tail.length)) return false
    metrics.counters.framesSent++
    ws.send(head, { binary: false, fin: false })
    ws.send(body, { fin: false })
    ws.send(tail, { fin: true })
    return true
  }
  return { send, write: (frame) => (typeof frame === "string" ? send(frame) : sendEntry(frame)) }
}

/**
 * A session's `write` for a dialect (a seed's frames): each frame is translated into the
 * dialect's texts, one after the other in order (a translation may read storage), then sent.
 * A socket with `MAX_WAITING_FRAMES` translations waiting is a slow consumer (4008).
 */
export const makeDialectWrite = (
  send: (text: string) => boolean,
  translate: (frame: Frame) => Promise<ReadonlyArray<string>>,
  close: (code: number, reason: string) => void
): ((frame: Frame) => boolean) => {
  const translations = makeSerialQueue(MAX_WAITING_FRAMES)
  return (frame) => {
    const queued = translations.push(async () => {
      for (const text of await translate(frame)) send(text)
    })
    if (!queued) close(CloseCodes.Policy, "slow consumer")
    return queued
  }
}
