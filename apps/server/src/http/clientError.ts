/**
 * Answers requests node:http cannot parse (its `clientError` event) with the §3.5 error body
 * instead of node's bodiless default (PROTOCOL.md §10): over-long request headers (the
 * request line included) are 431, a request whose headers took too long 408, anything else
 * malformed 400, all with code `bad_request`. Node answers and then destroys the socket while
 * the client is still sending, which the client sees as a reset; here the rest of what the
 * client sends is read and dropped, up to `DRAIN_BYTES` or `DRAIN_MS`, so a 300 KB path or a
 * 1 MB Authorization header gets its answer.
 */
import type { ServerResponse } from "node:http"
import type { Duplex } from "node:stream"
import { ApiError } from "./ApiError.js"
import { errorBody } from "./Edge.js"

/** What is read and dropped after a refused request before the connection is cut. */
export const DRAIN_BYTES = 8 * 1024 * 1024
const DRAIN_MS = 10_000

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large"
}

/** The status and message for a parse error of node:http. */
const refusal = (code: string | undefined, headerBytes: number): [number, string] => {
  if (code === "HPE_HEADER_OVERFLOW")
    return [431, `the request line and headers are larger than ${headerBytes} bytes`]
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return [408, "the request headers took too long to arrive"]
  return [400, "malformed HTTP request"]
}

/** A `clientError` listener for a server whose `maxHeaderSize` is `headerBytes`. */
export const answerClientError =
  (headerBytes: number) =>
  (err: Error & { code?: string }, socket: Duplex): void => {
    // As node's own default: never write into an answer already under way.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage
    if (err.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent === true) {
      socket.destroy()
      return
    }
    const [status, message] = refusal(err.code, headerBytes)
    const body = JSON.stringify(errorBody(new ApiError({ code: "bad_request", message })))
    // The parser gave up on this connection: what still comes is read and dropped, bounded.
    socket.removeAllListeners("data")
    let drained = 0
    socket.on("data", (chunk: Buffer) => {
      drained += chunk.length
      if (drained > DRAIN_BYTES) socket.destroy()
    })
    socket.on("error", () => socket.destroy())
    setTimeout(() => socket.destroy(), DRAIN_MS).unref()
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\nconnection: close\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    )
  }
