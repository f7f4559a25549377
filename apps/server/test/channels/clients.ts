/**
 * Channel clients for the tests, one per transport behind one interface: a WebSocket that sends
 * the channel frames, an SSE stream and a long-poll loop that subscribe with `channels=` and
 * `channelsSince=` (PROTOCOL.md §12). Each records every frame it gets (testkit's recorder), so a
 * test awaits the frame it expects; a long-poller keeps polling with its cursor and the
 * positions of the channel frames it got, as a client SDK would.
 */
import type { ServerFrame } from "@pushback/protocol/types"
import {
  connectWs,
  type WsClient,
  type FrameStream,
  recordFrames,
  request,
  signJwt,
  type TestApp,
  claimsFor
} from "@pushback/testkit"
import { EventSource } from "eventsource"

/** A server to connect to. */
export interface Endpoint {
  readonly url: string
  readonly wsUrl: string
}

/** A position in a channel. */
export interface Since {
  readonly epoch: string
  readonly offset: number
}

/** A connected client of any transport. */
export interface ChannelClient extends FrameStream {
  readonly close: () => Promise<void>
}

/** The transports, each connecting already subscribed to `channels` (from `since` where given). */
export type Connect = (
  server: Endpoint,
  token: string,
  channels: ReadonlyArray<string>,
  since?: Readonly<Record<string, Since>>
) => Promise<ChannelClient>

/** A user token with a `channels` claim, signed with the app's secret as a backend would. */
export const tokenWith = (app: TestApp, user: string, channels: ReadonlyArray<string>): string =>
  signJwt({ ...claimsFor(app.id, user, 600), channels }, app.secret)

/** A channel token for `user` and `channel`, with `info`. */
export const channelToken = (app: TestApp, user: string, channel: string, info?: unknown): string =>
  signJwt({ ...claimsFor(app.id, user, 600), channel, ...(info === undefined ? {} : { info }) }, app.secret)

/** One `PUT /v1/namespaces/{ns}`. */
export const putNamespace = async (
  server: Endpoint,
  app: TestApp,
  ns: string,
  options: Record<string, unknown>
) => {
  const res = await request(server.url, "PUT", `/v1/namespaces/${ns}`, { token: app.secret, body: options })
  if (res.status !== 200) throw new Error(`PUT namespace ${ns}: ${res.status} ${JSON.stringify(res.body)}`)
}

/** A backend publish; answers the position. */
export const publishAs = async (server: Endpoint, app: TestApp, channel: string, data: unknown) => {
  const res = await request<{ offset: number; epoch: string }>(
    server.url,
    "POST",
    `/v1/channels/${channel}/publish`,
    {
      token: app.secret,
      body: { data }
    }
  )
  if (res.status !== 200) throw new Error(`publish ${channel}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

let refs = 0
/** Sends a channel frame over WebSocket and waits for its reply. */
export const ask = async (
  ws: { send: (f: unknown) => void } & FrameStream,
  frame: Record<string, unknown>
): Promise<Extract<ServerFrame, { type: "reply" }>> => {
  const ref = `r${++refs}`
  ws.send({ ...frame, ref })
  return (await ws.next((f) => f.type === "reply" && f.ref === ref)) as Extract<
    ServerFrame,
    { type: "reply" }
  >
}

const sinceParam = (since: Readonly<Record<string, Since>> | undefined) =>
  Object.entries(since ?? {})
    .map(([name, s]) => `${name}@${s.epoch}:${s.offset}`)
    .join(",")

/** WebSocket: connects, then subscribes to each channel with a frame (a refusal is left in the frames as its reply). */
export const openWs = async (
  server: Endpoint,
  token: string,
  channels: ReadonlyArray<string>,
  since?: Readonly<Record<string, Since>>
): Promise<WsClient> => {
  const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(token)}`)
  await ws.next((f) => f.type === "welcome")
  for (const channel of channels) {
    await ask(ws, {
      type: "subscribe",
      channel,
      ...(since?.[channel] === undefined ? {} : { since: since[channel] })
    })
  }
  return ws
}

/** WebSocket as a `Connect`. */
export const connectWsChannels: Connect = openWs

const EVENTS = [
  "welcome",
  "notification",
  "subscribed",
  "publication",
  "join",
  "leave",
  "unsubscribed",
  "error"
]

/** SSE: `channels=` and `channelsSince=` on the stream's URL. */
export const connectSseChannels: Connect = (server, token, channels, since) =>
  new Promise((resolveOpen) => {
    const rec = recordFrames()
    const url = `${server.url}/v1/sse?token=${encodeURIComponent(token)}&channels=${channels.join(",")}&channelsSince=${sinceParam(since)}`
    const source = new EventSource(url)
    for (const type of EVENTS) {
      source.addEventListener(type, (ev: Event) =>
        rec.push(JSON.parse(String((ev as MessageEvent).data)) as ServerFrame)
      )
    }
    const { push: _p, end: _e, ...view } = rec
    const client: ChannelClient = {
      ...view,
      close: async () => {
        source.close()
        rec.end({})
      }
    }
    source.addEventListener("error", () => {
      source.close()
      rec.end({ error: "closed" })
      resolveOpen(client)
    })
    source.addEventListener("open", () => resolveOpen(client))
  })

/**
 * Long-poll: polls again and again (`wait` seconds) with its cursor and the positions of the
 * channel frames it got, until closed.
 */
export const pollChannels =
  (wait = 5): Connect =>
  async (server, token, channels, since) => {
    const rec = recordFrames()
    const positions = new Map<string, Since>(Object.entries(since ?? {}))
    const asked = new Set(channels)
    let cursor: number | undefined
    let stopped = false
    let inFlight: AbortController | undefined
    const once = async () => {
      const params = new URLSearchParams({ token, wait: String(wait), channels: [...asked].join(",") })
      if (cursor !== undefined) params.set("cursor", String(cursor))
      const at = [...positions].map(([name, s]) => `${name}@${s.epoch}:${s.offset}`).join(",")
      if (at !== "") params.set("channelsSince", at)
      inFlight = new AbortController()
      const res = await fetch(`${server.url}/v1/poll?${params}`, { signal: inFlight.signal })
      if (res.status !== 200) throw new Error(`poll: ${res.status} ${await res.text()}`)
      const body = (await res.json()) as { frames: Array<ServerFrame>; cursor: number }
      cursor = body.cursor
      for (const frame of body.frames) {
        if (frame.type === "subscribed")
          positions.set(frame.channel, { epoch: frame.epoch, offset: frame.offset })
        if (frame.type === "subscribed")
          for (const p of frame.publications)
            positions.set(frame.channel, { epoch: frame.epoch, offset: Math.max(p.offset, frame.offset) })
        if (frame.type === "unsubscribed") {
          asked.delete(frame.channel)
          positions.delete(frame.channel)
        }
        if (frame.type === "publication") {
          const at = positions.get(frame.channel)
          if (at !== undefined) positions.set(frame.channel, { epoch: at.epoch, offset: frame.offset })
        }
        rec.push(frame)
      }
    }
    const loop = async () => {
      while (!stopped) {
        try {
          await once()
        } catch (e) {
          if (!stopped) rec.end({ error: String(e) })
          return
        }
      }
    }
    await once()
    void loop()
    const { push: _p, end: _e, ...view } = rec
    return {
      ...view,
      close: async () => {
        stopped = true
        inFlight?.abort()
        rec.end({})
      }
    }
  }
