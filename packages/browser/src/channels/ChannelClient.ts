/**
 * The channels client: one connection of its own per tab (not the notification connection that
 * `TabLeader` shares between tabs; docs/channels.md says why), opened while at least one
 * channel has a listener, with the same `Connection` as the core client — the transport walk,
 * backoff, liveness and token refresh.
 *
 * Over WebSocket each channel is a `subscribe` frame (with `since` once it has a position),
 * sent when the connection opens and when a channel gains its first listener; publish and
 * presence are frames answered by `reply`. SSE and long-poll name the channels on connect
 * (`channels=`, `channelsSince=`): the platform's `EventSource` and `fetch` are wrapped so that
 * the core transports add those parameters (a poll reads them afresh each time) and listen to the
 * channel events, with no change to the core bundle. A change of the channels reconnects them
 * at once; publishing goes over REST (`POST /v1/me/channels/{name}/publish`).
 */
import { Codes, type ConnectionState, type StateEvent } from "../Codes.js"
import type { ConnectionOptions } from "../Connection.js"
import { makeEvents } from "../internal/events.js"
import { makeRest } from "../internal/rest.js"
import { type Connection, runConnection } from "../internal/runConnection.js"
import { makeTokens } from "../internal/tokens.js"
import { type Platform, resolvePlatform } from "../Platform.js"
import { PushBackError } from "../PushBackError.js"
import type { ClientFrame, ServerFrame } from "../types.js"
import { type Channel, type ChannelOptions, type ChannelState, makeChannel } from "./Channel.js"
import {
  CHANNEL_EVENTS,
  type ChannelClientFrame,
  type ChannelFrame,
  type Member,
  type Position
} from "./types.js"

/** Options of `createChannelClient`: those of `PushBack.init` that concern a connection. */
export interface ChannelClientOptions extends ConnectionOptions {
  /** The server's base URL, e.g. `https://push.example.com`. */
  readonly url: string
  /** A user token (minted by your backend). */
  readonly token?: string | undefined
  /** Fetches a fresh user token; called at start without `token`, and whenever the token is refused. */
  readonly getToken?: (() => Promise<string>) | undefined
  /** Platform globals to use instead of `globalThis`'s. */
  readonly platform?: Platform
}

/** The channels of one user in this tab. */
export interface ChannelClient {
  /** The channel `name` (the same object for the same name; a new `token` replaces the old one). */
  channel(name: string, options?: ChannelOptions): Channel
  /** The state of the channel connection (`closed` while no channel has a listener, and after `close`). */
  readonly state: ConnectionState
  /** Listens to the channel connection's state; returns the unsubscribe. */
  on(type: "state", listener: (event: StateEvent) => void): () => void
  /** Ends every subscription and the connection, for good. */
  close(): void
}

/** The code a request waiting over a lost connection is rejected with. */
const LOST = "connection_lost"

type Pending = { readonly ok: (result: unknown) => void; readonly ko: (error: unknown) => void }

/** Creates the channels client of the user `options.token` names; it connects on the first `subscribe`. */
export const createChannelClient = (options: ChannelClientOptions): ChannelClient => {
  if (options.token === undefined && options.getToken === undefined) {
    throw new TypeError("PushBack: pass token or getToken")
  }
  const base = resolvePlatform(options.platform)
  const url = options.url.replace(/\/+$/, "")
  const tokens = makeTokens(options.token, options.getToken)
  const rest = makeRest(base.fetch, url, tokens, options.getToken !== undefined)
  const channels = new Map<string, ChannelState>()
  const pending = new Map<string, Pending>()
  const { emit, on } = makeEvents<{ state: (event: StateEvent) => void }>(base.setTimeout)
  let refs = 0
  let connection: Connection | undefined
  let state: StateEvent = { state: "closed", previous: "closed", code: Codes.Normal, reason: "" }
  let ended = false
  /** The transport of the open connection. */
  let via: string | undefined

  const wanted = () => [...channels.values()].filter((c) => c.wanted)
  /**
   * `channels=` and `channelsSince=` for SSE and long-poll. A channel token cannot travel there:
   * such a channel needs WebSocket (or a public namespace, or the user token's `channels`).
   */
  const query = () => {
    const list = wanted()
    const since = list
      .filter((c) => c.position)
      .map((c) => encodeURIComponent(`${c.name}@${c.position!.epoch}:${c.position!.offset}`))
    return (
      `&channels=${list.map((c) => encodeURIComponent(c.name)).join(",")}` +
      (since.length ? `&channelsSince=${since.join(",")}` : "")
    )
  }
  const platform: Platform = {
    ...base,
    EventSource:
      base.EventSource &&
      (function ChannelEventSource(this: unknown, href: string) {
        const es = new base.EventSource!(href + query())
        const add = es.addEventListener.bind(es)
        // The core transport listens to its own event types with one listener: it gets the channels' too.
        es.addEventListener = ((type: string, listener: EventListener) => {
          add(type, listener)
          if (type === "error") for (const t of CHANNEL_EVENTS) add(t, listener)
        }) as EventSource["addEventListener"]
        return es
      } as unknown as typeof EventSource),
    fetch: (input, init) =>
      base.fetch(
        typeof input === "string" && input.startsWith(`${url}/v1/poll?`) ? input + query() : input,
        init
      )
  }

  const send = (frame: ChannelClientFrame) =>
    via === "websocket" && connection!.send(frame as unknown as ClientFrame)
  /** A frame answered by `reply`; undefined when it cannot go now. */
  const ask = (
    frame: { type: "publish"; channel: string; data: unknown } | { type: "presence"; channel: string }
  ) => {
    const ref = `c${++refs}`
    if (!send({ ...frame, ref } as ChannelClientFrame)) return undefined
    return new Promise<unknown>((ok, ko) => pending.set(ref, { ok, ko }))
  }
  const subscribe = (c: ChannelState) => {
    const ref = `c${++refs}`
    if (
      !send({
        type: "subscribe",
        channel: c.name,
        ref,
        ...(c.token && { token: c.token }),
        ...(c.position && { since: c.position })
      })
    )
      return
    // Refused (`forbidden`, `not_found`): told, not retried. Lost with the connection: the next one subscribes.
    const ko = (e: unknown) => (e as PushBackError).code !== LOST && c.refused((e as PushBackError).code)
    pending.set(ref, { ok() {}, ko })
  }
  /** SSE and long-poll: the channels changed, so a new request names them. */
  const reconnect = () => {
    if (via !== undefined && via !== "websocket") connection?.gap()
  }

  const frame = (f: ServerFrame) => {
    if (f.type === "reply") {
      const waiting = pending.get(f.ref)
      if (!waiting) return
      pending.delete(f.ref)
      return f.ok ? waiting.ok(f.result) : waiting.ko(new PushBackError(0, f.error.code, f.error.message))
    }
    const c = channels.get((f as unknown as ChannelFrame).channel)
    if (c?.wanted && CHANNEL_EVENTS.includes((f as unknown as ChannelFrame).type))
      c.apply(f as unknown as ChannelFrame)
  }
  const announce = ({ state: next, code, reason, transport }: Omit<StateEvent, "previous">) => {
    via = next === "connected" ? transport : undefined
    if (next !== "connected") {
      for (const c of channels.values()) c.lost()
      // Not connected any more: what waits for a reply over the connection will not get one.
      for (const [ref, waiting] of pending) {
        pending.delete(ref)
        waiting.ko(new PushBackError(0, LOST, "the connection was lost before the answer"))
      }
    }
    if (next === state.state) return
    state = { state: next, previous: state.state, code, reason, transport }
    emit("state", state)
    if (next === "connected") for (const c of wanted()) subscribe(c)
  }
  const start = () => {
    connection = runConnection(
      {
        ...options,
        url,
        tokens,
        platform: resolvePlatform(platform),
        refresh: options.getToken !== undefined
      },
      { cursor: () => undefined, frame, announce },
      state.state
    )
  }
  const stop = () => {
    connection?.close()
    connection = undefined
    announce({ state: "closed", code: Codes.Closed, reason: "no channel subscribed" })
  }

  const link = {
    want(c: ChannelState, yes: boolean) {
      if (ended) return
      // The last listener gone: the connection closes a task later, unless one comes back
      // (React's StrictMode unmounts and mounts again at once).
      if (wanted().length === 0) {
        base.setTimeout(() => wanted().length === 0 && stop(), 0)
        if (via === "websocket") send({ type: "unsubscribe", channel: c.name, ref: `c${++refs}` })
        return
      }
      if (!connection) return start()
      if (via === "websocket")
        return yes ? subscribe(c) : void send({ type: "unsubscribe", channel: c.name, ref: `c${++refs}` })
      reconnect()
    },
    resync(c: ChannelState) {
      c.lost()
      // Subscribing again starts over from the position (the server drops the old subscription).
      if (via === "websocket") return subscribe(c)
      reconnect()
    },
    async publish(c: ChannelState, data: unknown) {
      const answer = ask({ type: "publish", channel: c.name, data: data ?? null })
      if (answer) return { position: (await answer) as Position, skipped: true }
      const path = `/v1/me/channels/${encodeURIComponent(c.name)}/publish`
      const [position] = await rest<Position>("POST", path, { data })
      return { position, skipped: false }
    },
    async presence(c: ChannelState) {
      const answer = ask({ type: "presence", channel: c.name })
      return answer && ((await answer) as { users: ReadonlyArray<Member> }).users
    }
  }

  return {
    channel(name, channelOptions = {}) {
      let c = channels.get(name)
      if (!c) {
        c = makeChannel(name, channelOptions, link, base.setTimeout)
        channels.set(name, c)
      } else if (channelOptions.token !== undefined) c.token = channelOptions.token
      return c.api
    },
    get state() {
      return state.state
    },
    on,
    close() {
      ended = true
      stop()
    }
  }
}
