/**
 * Sends one HTTP request exactly as a fuzz case describes it — any method, path, headers and
 * body bytes, framed with Content-Length, chunked, chunked and slow, or cut short — on its own
 * TCP connection, and reads the whole answer (as a keep-alive client: it hangs up once the
 * answer is complete). A reset or a connection closed without an answer
 * is reported as such, never thrown: "never a reset" is one of the properties.
 */
import { connect } from "node:net"

/** How the body goes on the wire. */
export type Framing = "length" | "chunked" | "slow" | "truncated"

/** One request, byte for byte. */
export interface WireRequest {
  readonly method: string
  readonly path: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body?: Buffer | undefined
  readonly framing: Framing
}

/** A short description of a request, for a failing property's counterexample. */
export const describe = (req: WireRequest): string => {
  const body =
    req.body === undefined
      ? ""
      : ` body(${req.body.length} B): ${JSON.stringify(req.body.subarray(0, 80).toString("latin1"))}`
  const headers = req.headers
    .map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}`)
    .join("; ")
  return `${req.method} ${req.path.length > 120 ? `${req.path.slice(0, 120)}…(${req.path.length})` : req.path} [${headers}] ${req.framing}${body}`
}

/** What came back. */
export type WireAnswer =
  | { readonly kind: "answer"; readonly status: number; readonly headers: Headers; readonly text: string }
  | { readonly kind: "reset" | "no-answer"; readonly detail: string }

const CRLF = "\r\n"

const decodeChunked = (raw: Buffer): Buffer => {
  const parts: Array<Buffer> = []
  let at = 0
  for (;;) {
    const end = raw.indexOf(CRLF, at)
    if (end < 0) break
    const size = Number.parseInt(raw.subarray(at, end).toString(), 16)
    if (!Number.isFinite(size) || size === 0) break
    parts.push(raw.subarray(end + 2, end + 2 + size))
    at = end + 2 + size + 2
  }
  return Buffer.concat(parts)
}

const parseAnswer = (raw: Buffer): WireAnswer => {
  const split = raw.indexOf("\r\n\r\n")
  if (split < 0) return { kind: "no-answer", detail: JSON.stringify(raw.subarray(0, 200).toString()) }
  const [statusLine, ...lines] = raw.subarray(0, split).toString("latin1").split(CRLF)
  const headers = new Headers()
  for (const line of lines) {
    const colon = line.indexOf(":")
    headers.append(line.slice(0, colon), line.slice(colon + 1).trim())
  }
  const rest = raw.subarray(split + 4)
  const body = headers.get("transfer-encoding") === "chunked" ? decodeChunked(rest) : rest
  return { kind: "answer", status: Number(statusLine!.split(" ")[1]), headers, text: body.toString("utf8") }
}

/**
 * Whether `raw` holds a whole answer, so the connection can be dropped as a keep-alive client
 * would: its Content-Length read, the last chunk, no body (HEAD, 204, 304), or an event stream
 * that opened (it would otherwise run on).
 */
const complete = (raw: Buffer, method: string): boolean => {
  const split = raw.indexOf("\r\n\r\n")
  if (split < 0) return false
  const head = raw.subarray(0, split).toString("latin1")
  const status = Number(head.split(" ")[1])
  if (method === "HEAD" || status === 204 || status === 304 || /content-type: text\/event-stream/i.test(head))
    return true
  const length = /content-length: (\d+)/i.exec(head)
  if (length !== null) return raw.length - split - 4 >= Number(length[1])
  return /transfer-encoding: chunked/i.test(head) && raw.subarray(raw.length - 5).toString() === "0\r\n\r\n"
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Sends `req` to 127.0.0.1:`port`; gives up after `timeoutMs` (a stream that stays open). */
export const send = (port: number, req: WireRequest, timeoutMs = 5000): Promise<WireAnswer> =>
  new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    let done = false
    const finish = (answer: WireAnswer) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    const timer = setTimeout(() => {
      const raw = Buffer.concat(chunks)
      finish(raw.length > 0 ? parseAnswer(raw) : { kind: "no-answer", detail: "timed out" })
    }, timeoutMs)
    socket.on("data", (c: Buffer) => {
      chunks.push(c)
      const raw = Buffer.concat(chunks)
      if (complete(raw, req.method)) finish(parseAnswer(raw))
    })
    // A write that fails because the server answered and closed before the body was all sent
    // is no reset when the answer came: the client has it.
    socket.on("error", (e: NodeJS.ErrnoException) => {
      const answer = parseAnswer(Buffer.concat(chunks))
      finish(answer.kind === "answer" ? answer : { kind: "reset", detail: e.code ?? e.message })
    })
    socket.on("close", () => finish(parseAnswer(Buffer.concat(chunks))))
    const body = req.body ?? Buffer.alloc(0)
    const head = [`${req.method} ${req.path} HTTP/1.1`, "host: 127.0.0.1"]
    for (const [k, v] of req.headers) head.push(`${k}: ${v}`)
    const write = async () => {
      if (req.framing === "length" || body.length === 0) {
        if (body.length > 0 || req.method !== "GET") head.push(`content-length: ${body.length}`)
        socket.write(Buffer.concat([Buffer.from(head.join(CRLF) + CRLF + CRLF, "latin1"), body]))
      } else if (req.framing === "truncated") {
        head.push(`content-length: ${body.length + 10}`)
        socket.write(Buffer.concat([Buffer.from(head.join(CRLF) + CRLF + CRLF, "latin1"), body]))
        socket.end()
        return
      } else {
        head.push("transfer-encoding: chunked")
        socket.write(Buffer.from(head.join(CRLF) + CRLF + CRLF, "latin1"))
        const pieces = req.framing === "slow" ? 3 : 1
        const size = Math.ceil(body.length / pieces)
        for (let i = 0; i < body.length; i += size) {
          const piece = body.subarray(i, i + size)
          socket.write(
            Buffer.concat([Buffer.from(`${piece.length.toString(16)}${CRLF}`), piece, Buffer.from(CRLF)])
          )
          if (req.framing === "slow") await pause(3)
        }
        socket.write(`0${CRLF}${CRLF}`)
      }
    }
    socket.once("connect", () => void write().catch(() => undefined))
  })
