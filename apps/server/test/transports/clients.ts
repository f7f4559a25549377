/**
 * One small client per transport behind one interface, so the conformance suite runs the
 * same steps over WebSocket (`ws`), Server-Sent Events (the `eventsource` package) and
 * long-polling (plain `fetch`). Each records the frames it receives in order; how a
 * transport refuses or ends a session differs, so each adapter also says what to expect.
 */
import { request as httpGet, type IncomingMessage } from "node:http"
import type { PollResponse } from "@pushback/protocol/types"
import { connectWs, type Ending, type FrameStream, recordFrames, type ServerFrame } from "@pushback/testkit"
import { ErrorEvent, EventSource } from "eventsource"
import type { Endpoint } from "./helpers.js"

/** A connected client of any transport: the frames it recorded (testkit's recorder). */
export interface StreamClient extends FrameStream {
  /** Stops the client (closes the socket, the event stream, or the poll loop). */
  readonly close: () => Promise<void>
}

/** A client that can stop reading, to play a slow consumer. */
export interface PausableClient {
  readonly recorder: FrameStream
  readonly pause: () => void
  readonly resume: () => void
  readonly close: () => void
}

/** What a transport looks like to the conformance suite. */
export interface TransportAdapter {
  readonly name: "ws" | "sse" | "poll"
  /** Whether connecting with a cursor starts with `welcome` (poll: no, see docs/transports.md). */
  readonly welcomeOnResume: boolean
  readonly connect: (server: Endpoint, token: string, cursor?: number | string) => Promise<StreamClient>
  /** How a refused connection shows: an HTTP status or a close code. */
  readonly refused: {
    readonly unauthorized: Ending
    readonly expired: Ending
    readonly badCursor: Ending
  }
  /** How a session ends when its token expires while connected. */
  readonly expiresAs: Ending
  /** A client that can stop reading; undefined where answers are bounded (poll). */
  readonly pausable?: (server: Endpoint, token: string) => Promise<PausableClient>
}

const query = (token: string, cursor?: number | string) =>
  `token=${encodeURIComponent(token)}${cursor === undefined ? "" : `&cursor=${cursor}`}`

const STREAM_TYPES = ["welcome", "notification", "seen", "read", "deleted", "reset", "error"] as const

// ------------------------------------------------------------------------------ WebSocket

const wsAdapter: TransportAdapter = {
  name: "ws",
  welcomeOnResume: true,
  connect: async (server, token, cursor) => {
    const { frames, ended, isEnded, next, collect, close } = await connectWs(
      `${server.wsUrl}/v1/ws?${query(token, cursor)}`
    )
    return { frames, ended, isEnded, next, collect, close }
  },
  refused: { unauthorized: { code: 4001 }, expired: { code: 4009 }, badCursor: { code: 4400 } },
  expiresAs: { code: 4009 },
  pausable: async (server, token) => {
    const ws = await connectWs(`${server.wsUrl}/v1/ws?${query(token)}`)
    await ws.next((f) => f.type === "welcome")
    return {
      recorder: ws,
      pause: () => ws.socket.pause(),
      resume: () => ws.socket.resume(),
      close: () => ws.socket.terminate()
    }
  }
}

// ------------------------------------------------------------------------ Server-Sent Events

/** Opens an EventSource; `lastEventId` is sent as the `Last-Event-ID` header. */
export const openEventSource = (url: string, lastEventId?: string) =>
  new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...init?.headers, ...(lastEventId === undefined ? {} : { "Last-Event-ID": lastEventId }) }
      })
  })

/**
 * An SSE client over the `eventsource` package. It records every frame event and, unlike a
 * browser, does not reconnect: the first connection error ends it, so a test sees one session.
 */
export const connectSse = (url: string, lastEventId?: string): Promise<StreamClient & { ids: string[] }> =>
  new Promise((resolveOpen) => {
    const rec = recordFrames()
    const ids: Array<string> = []
    const source = openEventSource(url, lastEventId)
    let lastError: string | undefined
    for (const type of STREAM_TYPES) {
      source.addEventListener(type, (ev: Event) => {
        if (!(ev instanceof MessageEvent)) return
        const frame = JSON.parse(String(ev.data)) as ServerFrame
        if (frame.type !== type) throw new Error(`event ${type} carries a ${frame.type} frame`)
        if (ev.lastEventId !== "") ids.push(ev.lastEventId)
        if (frame.type === "error") lastError = String(frame.code)
        rec.push(frame)
      })
    }
    source.addEventListener("error", (ev: Event) => {
      if (ev instanceof MessageEvent) return
      const status = ev instanceof ErrorEvent ? ev.code : undefined
      source.close()
      rec.end({
        ...(status === undefined ? {} : { status }),
        ...(lastError === undefined ? {} : { error: lastError })
      })
      resolveOpen(client)
    })
    source.addEventListener("open", () => resolveOpen(client))
    const { push: _p, end: _e, ...view } = rec
    const client = {
      ...view,
      ids,
      close: async () => {
        source.close()
        rec.end({})
      }
    }
  })

/**
 * Opens `/v1/sse` with a raw node:http request whose reading can be paused. `onData` is
 * attached before any body chunk can be emitted, so nothing is missed.
 */
export const rawSse = (
  url: string,
  onData: (chunk: string) => void = () => {},
  headers: Record<string, string> = {}
): Promise<{ res: IncomingMessage; text: () => string; close: () => void }> =>
  new Promise((resolve, reject) => {
    const req = httpGet(url, { headers }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => {
        text += chunk
        onData(chunk)
      })
      res.on("error", () => {})
      resolve({ res, text: () => text, close: () => req.destroy() })
    })
    req.on("error", reject)
    req.end()
  })

/** Parses SSE text into frames (events with data), ignoring comments and `retry:`. */
export const parseSse = (text: string): Array<{ id?: string; event?: string; data: string }> => {
  const events: Array<{ id?: string; event?: string; data: string }> = []
  for (const block of text.split("\n\n")) {
    let id: string | undefined
    let event: string | undefined
    const data: Array<string> = []
    for (const line of block.split("\n")) {
      if (line.startsWith("id: ")) id = line.slice(4)
      else if (line.startsWith("event: ")) event = line.slice(7)
      else if (line.startsWith("data: ")) data.push(line.slice(6))
    }
    if (data.length > 0)
      events.push({
        ...(id === undefined ? {} : { id }),
        ...(event === undefined ? {} : { event }),
        data: data.join("\n")
      })
  }
  return events
}

const sseAdapter: TransportAdapter = {
  name: "sse",
  welcomeOnResume: true,
  connect: (server, token, cursor) => connectSse(`${server.url}/v1/sse?${query(token, cursor)}`),
  refused: { unauthorized: { status: 401 }, expired: { status: 401 }, badCursor: { status: 400 } },
  expiresAs: { error: "token_expired" },
  pausable: async (server, token) => {
    const rec = recordFrames()
    let buffer = ""
    const { res, close } = await rawSse(`${server.url}/v1/sse?${query(token)}`, (chunk) => {
      buffer += chunk
      const blocks = buffer.split("\n\n")
      buffer = blocks.pop()!
      for (const event of parseSse(blocks.join("\n\n") + "\n\n"))
        rec.push(JSON.parse(event.data) as ServerFrame)
    })
    res.on("close", () => rec.end({}))
    await rec.next((f) => f.type === "welcome")
    return { recorder: rec, pause: () => res.pause(), resume: () => res.resume(), close }
  }
}

// ---------------------------------------------------------------------------- long-polling

/** The wait a test poll loop asks for: long enough to be held, short enough to end quickly. */
const POLL_WAIT = 10

const pollAdapter: TransportAdapter = {
  name: "poll",
  welcomeOnResume: false,
  connect: async (server, token, cursor) => {
    const rec = recordFrames()
    const stop = new AbortController()
    let next: number | string | undefined = cursor
    const loop = async () => {
      while (!stop.signal.aborted) {
        const res = await fetch(`${server.url}/v1/poll?${query(token, next)}&wait=${POLL_WAIT}`, {
          signal: stop.signal
        })
        if (res.status !== 200) return rec.end({ status: res.status })
        const body = (await res.json()) as PollResponse
        for (const frame of body.frames) rec.push(frame)
        next = body.cursor
      }
    }
    loop().then(
      () => rec.end({}),
      () => rec.end({})
    )
    const { push: _p, end: _e, ...view } = rec
    return {
      ...view,
      close: async () => {
        stop.abort()
        rec.end({})
      }
    }
  },
  refused: { unauthorized: { status: 401 }, expired: { status: 401 }, badCursor: { status: 400 } },
  expiresAs: { status: 401 }
}

/** Every transport, for `describe.each`. */
export const transports: ReadonlyArray<TransportAdapter> = [wsAdapter, sseAdapter, pollAdapter]

/** One transport by name. */
export const transport = (name: TransportAdapter["name"]): TransportAdapter =>
  transports.find((t) => t.name === name)!
