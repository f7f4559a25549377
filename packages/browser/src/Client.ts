/**
 * The client: one user's real-time connection, notification store and actions.
 *
 * It walks the transports in order (WebSocket, SSE, long-poll; 0 ms to the next when one is
 * missing or cannot connect), remembers the one that worked, and reconnects with capped
 * full-jitter backoff — one attempt in flight, always resuming from its cursor. The attempt
 * count starts over only once a connection has stayed up for `stableAfter`, so a server that
 * accepts and then closes at once is retried ever more slowly, up to the cap. A WebSocket
 * that goes silent is pinged and, without an answer, dropped and reconnected (the transport's
 * heartbeat). Stream entries are applied in `seq` order exactly once: an entry at or below
 * the cursor is a duplicate and dropped, a gap makes it resume, `reset` refetches the list
 * over REST. A refused token (4001/4009, or 401) is replaced through `getToken`. It waits
 * while the browser is offline.
 *
 * The list and counts are loaded over REST only once the stream has a cursor (the first
 * `welcome`, or the leader tab's cursor): everything up to the cursor is then in the REST
 * answer, and everything after it comes on the stream. Entries that arrive during the load
 * are held and applied after it, idempotently (the answer may already reflect them), then
 * the counts are refetched. Loading before connecting would lose whatever happens between
 * the REST read and the `welcome`.
 *
 * Tabs of one origin and user share one connection: the tab holding a Web Lock named after
 * the server and user connects and relays what it receives over a BroadcastChannel; the
 * others follow. When the leader goes away, the lock passes to another tab, which connects
 * from the cursor it followed, so nothing is lost.
 */
import { backoff } from "./Backoff.js"
import { type Code, Codes, type ConnectionState, type StateEvent, type TransportName } from "./Codes.js"
import { emptyInbox, type InboxEvent, reduceInbox } from "./InboxSync.js"
import { userKey } from "./internal/claims.js"
import { type Platform, resolvePlatform } from "./Platform.js"
import { PushBackError } from "./PushBackError.js"
import { makeStore, type NotificationStore } from "./Store.js"
import type { Transport } from "./Transport.js"
import { place } from "./Stream.js"
import { poll } from "./transports/poll.js"
import { sse } from "./transports/sse.js"
import { websocket } from "./transports/websocket.js"
import type { Counts, Notification, NotificationList, ServerFrame } from "./types.js"

/** Options of `PushBack.init`. One of `token` and `getToken` is required. */
export interface PushBackOptions {
  /** The server's base URL, e.g. `https://push.example.com`. */
  readonly url: string
  /** A user token (minted by your backend). */
  readonly token?: string | undefined
  /** Fetches a fresh user token; called at start without `token`, and whenever the token is refused. */
  readonly getToken?: (() => Promise<string>) | undefined
  /** The transports to use, in order. Default: `["websocket", "sse", "poll"]`. */
  readonly transports?: ReadonlyArray<TransportName>
  /** Transports never to use. */
  readonly exclude?: ReadonlyArray<TransportName>
  /** Share one connection between the tabs of this origin and user. Default: true where Web Locks and BroadcastChannel exist. */
  readonly shareConnection?: boolean
  /** Notifications per REST page. Default 20. */
  readonly pageSize?: number
  /** Backoff base in ms. Default 500. */
  readonly minReconnectDelay?: number
  /** Backoff cap in ms. Default 20000. */
  readonly maxReconnectDelay?: number
  /** Time a transport gets to connect, in ms. Default 10000. */
  readonly timeout?: number
  /** WebSocket: silence in ms after which the client sends a ping; 0 for never. Default 25000. */
  readonly pingInterval?: number
  /**
   * Time in ms the server gets to answer a ping (any frame will do) before the connection counts
   * as lost; for long-poll, the margin beyond a poll's wait. Default 10000.
   */
  readonly pongTimeout?: number
  /** Time in ms a connection must stay up before the backoff starts over. Default 10000. */
  readonly stableAfter?: number
  /** Platform globals to use instead of `globalThis`'s. */
  readonly platform?: Platform
}

/** Events of `on()`. */
export interface PushBackEvents {
  /** A new notification arrived on the stream (not one loaded over REST). */
  notification: (notification: Notification) => void
  /** Notifications were marked seen, in any session of the user. */
  seen: (ids: ReadonlyArray<string>) => void
  /** Notifications were marked read, in any session of the user. */
  read: (ids: ReadonlyArray<string>) => void
  /** Notifications were deleted, in any session of the user. */
  deleted: (ids: ReadonlyArray<string>) => void
  /** The connection state changed. */
  state: (event: StateEvent) => void
}

/** One user's connection, store and actions. */
export interface PushBackClient {
  /** Notifications, counts, state and `hasMore`, for rendering. */
  readonly store: NotificationStore
  readonly state: ConnectionState
  /** The transport of the live connection (this tab's or the leader tab's), if any. */
  readonly transport: TransportName | undefined
  /**
   * The seed's two callbacks: `onNotification` once per new notification; `onDisconnect`
   * each time an established connection is lost (even when it then reconnects by itself).
   * Returns the unsubscribe.
   */
  subscribe(
    onNotification: (notification: Notification) => void,
    onDisconnect?: (event: StateEvent) => void
  ): () => void
  /** Listens to an event; returns the unsubscribe. */
  on<K extends keyof PushBackEvents>(type: K, listener: PushBackEvents[K]): () => void
  /** Marks notifications seen; resolves with how many changed. */
  markSeen(ids: ReadonlyArray<string>): Promise<number>
  /** Marks notifications read (and seen); resolves with how many changed. */
  markRead(ids: ReadonlyArray<string>): Promise<number>
  /** Deletes notifications; resolves with how many changed. */
  remove(ids: ReadonlyArray<string>): Promise<number>
  /** Marks every notification of the user seen; resolves with how many changed. */
  markAllSeen(): Promise<number>
  /** Loads the next page of older notifications into the store. */
  loadMore(): Promise<void>
  /** Disconnects for good (another tab takes over a shared connection). */
  close(): void
}

type Mark = "seen" | "read" | "delete"
/**
 * What tabs tell each other: a frame (`welcome`, a stream entry, `reset`), the leader's state
 * and cursor, or a follower's hello.
 */
type Message = { f: ServerFrame } | { s: StateEvent; c: number | undefined } | { h: 1 }

const TRANSPORTS = { websocket, sse, poll }

/** Creates a client and starts connecting. */
export const createClient = (options: PushBackOptions): PushBackClient => {
  if (options.token === undefined && options.getToken === undefined) {
    throw new TypeError("PushBack: pass token or getToken")
  }
  const p = resolvePlatform(options.platform)
  const url = options.url.replace(/\/+$/, "")
  const pageSize = options.pageSize ?? 20
  const { store, set } = makeStore()
  const exclude = options.exclude ?? []
  const liveness = {
    pingInterval: options.pingInterval ?? 25_000,
    pongTimeout: options.pongTimeout ?? 10_000
  }
  const all = (options.transports ?? ["websocket", "sse", "poll"])
    .filter((name) => !exclude.includes(name))
    .map((name) => TRANSPORTS[name](p, liveness))
  const listeners: { [type: string]: Set<(arg: never) => void> } = {}
  const pending = new Map<
    string,
    { type: Mark; ids: ReadonlyArray<string>; ok: (n: number) => void; ko: (e: unknown) => void }
  >()

  let token = options.token
  let fetching: Promise<string> | undefined
  let cursor: number | undefined
  let current: StateEvent = { state: "connecting", previous: "connecting", code: Codes.Normal, reason: "" }
  /** The transport of the attempt in progress or the open connection. */
  let conn: Transport | undefined
  let worked: Transport | undefined
  let walk = 0
  let attempt = 0
  let generation = 0
  let timer: unknown
  let deadline: unknown
  /** Starts the backoff over once the open connection has lasted `stableAfter`. */
  let stable: unknown
  let online = true
  let leading = false
  let inbox = emptyInbox
  /** The load in flight, for `loadMore` to wait on. */
  let loading: Promise<void> | undefined
  let refs = 0
  let channel: BroadcastChannel | undefined
  let release: (() => void) | undefined
  let abortLock: AbortController | undefined

  const emit = <K extends keyof PushBackEvents>(type: K, arg: Parameters<PushBackEvents[K]>[0]) => {
    for (const listener of listeners[type] ?? []) {
      try {
        ;(listener as (a: unknown) => void)(arg)
      } catch (e) {
        // A listener's error must not break delivery: report it on its own.
        p.setTimeout(() => {
          throw e
        }, 0)
      }
    }
  }
  const on = <K extends keyof PushBackEvents>(type: K, listener: PushBackEvents[K]) => {
    listeners[type] ??= new Set()
    const group = listeners[type]
    group.add(listener)
    return () => {
      group.delete(listener)
    }
  }
  const post = (message: Message) => {
    if (leading) channel?.postMessage(message)
  }
  const setState = (state: ConnectionState, code: Code, reason: string, transport?: TransportName) => {
    if (state === current.state || current.state === "closed") return
    current = { state, previous: current.state, code, reason, transport }
    set({ state })
    if (state !== "closed") post({ s: current, c: cursor })
    emit("state", current)
  }

  // ------------------------------------------------------------------ REST

  /** The token, or one fresh from `getToken` (one call at a time). */
  const tokenOf = (): Promise<string> => {
    if (token !== undefined) return Promise.resolve(token)
    fetching ??= options.getToken!()
      .then((fresh) => {
        token = fresh
        return fresh
      })
      .finally(() => {
        fetching = undefined
      })
    return fetching
  }
  /** One REST call: the JSON answer and its headers. A refused token is replaced once. */
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    retried?: boolean
  ): Promise<[T, Headers]> => {
    const used = await tokenOf()
    const headers: Record<string, string> = { authorization: `Bearer ${used}` }
    if (body !== undefined) headers["content-type"] = "application/json"
    const res = await p.fetch(url + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    if (res.status === 401 && options.getToken && !retried) {
      if (token === used) token = undefined
      return call(method, path, body, true)
    }
    const json = res.status === 204 ? undefined : await res.json()
    if (!res.ok) {
      const error = (json as { error?: { code: string; message: string } } | undefined)?.error
      throw new PushBackError(res.status, error?.code ?? "internal", error?.message ?? `HTTP ${res.status}`)
    }
    return [json as T, res.headers]
  }
  const rest = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    call<T>(method, path, body).then(([json]) => json)

  // ------------------------------------------------------------------ inbox

  /** The seq a counts answer reflects (its `PushBack-Cursor` header). */
  const through = (headers: Headers): number => Number(headers.get("pushback-cursor") ?? cursor ?? 0)
  /** Feeds InboxSync one event, shows what changed and makes the reads it asks for. */
  const step = (event: InboxEvent) => {
    const [next, effects] = reduceInbox(inbox, event)
    const changed = next.view !== inbox.view
    inbox = next
    if (changed) set(next.view)
    for (const effect of effects) {
      if (effect.type === "count") {
        call<Counts>("GET", "/v1/me/counts").then(
          ([counts, headers]) => step({ type: "counted", counts, through: through(headers) }),
          () => step({ type: "countFailed" })
        )
      } else {
        const { id } = effect
        const load = Promise.all([
          call<Counts>("GET", "/v1/me/counts"),
          rest<NotificationList>("GET", `/v1/me/notifications?limit=${pageSize}`)
        ]).then(
          ([[counts, headers], page]) =>
            step({
              type: "loaded",
              id,
              counts,
              through: through(headers),
              page,
              now: new Date().toISOString()
            }),
          () => step({ type: "loadFailed", id })
        )
        loading = load
        void load.finally(() => {
          if (loading === load) loading = undefined
        })
      }
    }
  }
  /** Loads the list if it is not loaded and no load is running, once the stream has a cursor. */
  const need = () => {
    if (cursor !== undefined) step({ type: "need" })
  }

  // ------------------------------------------------------------------ stream

  const onFrame = (frame: ServerFrame) => {
    switch (frame.type) {
      case "welcome":
        // The first one starts the stream, and the load; followers start from the leader's.
        post({ f: frame })
        cursor ??= frame.cursor
        return step({ type: "welcome" })
      case "reset":
        cursor = frame.cursor
        post({ f: frame })
        return step({ type: "reload" })
      case "reply": {
        const action = pending.get(frame.ref)
        if (!action) return
        pending.delete(frame.ref)
        if (frame.ok) action.ok((frame.result as { updated: number }).updated)
        else action.ko(new PushBackError(0, frame.error.code, frame.error.message))
        return
      }
      case "error":
      case "pong":
        return
    }
    // A follower's first news: what came before this entry is in a REST read made from now.
    const where = place(cursor, frame.seq)
    if (where === "old") return
    if (where === "gap") {
      if (leading) {
        // A lost entry: resume from the cursor, at once.
        drop()
        setState("reconnecting", Codes.Gap, "seq gap")
        return schedule(0)
      }
      // A follower cannot resume on its own: it refetches its list and goes on.
      step({ type: "reload" })
    } else {
      cursor ??= frame.seq - 1
      need()
    }
    cursor = frame.seq
    post({ f: frame })
    step({ type: "entry", entry: frame, now: new Date().toISOString() })
    if (frame.type === "notification") emit("notification", frame.notification)
    else emit(frame.type, frame.ids)
  }

  // ------------------------------------------------------------------ connection

  const order = (): Array<Transport> => {
    const usable = all.filter((t) => t.supported())
    return worked && usable.includes(worked) ? [worked, ...usable.filter((t) => t !== worked)] : usable
  }
  /** Ends the attempt or connection in progress; actions waiting for a reply go over REST. */
  const drop = () => {
    generation++
    p.clearTimeout(deadline)
    p.clearTimeout(stable)
    conn?.close()
    conn = undefined
    for (const [ref, action] of pending) {
      pending.delete(ref)
      mark(action.type, action.ids).then(action.ok, action.ko)
    }
  }
  const schedule = (delay: number) => {
    if (timer !== undefined || conn !== undefined || !online || !leading || current.state === "closed") return
    timer = p.setTimeout(() => {
      timer = undefined
      void connect()
    }, delay)
  }
  const lost = (code: number, reason: string, opened: boolean) => {
    const transports = order().length
    let delay: number
    if (code === Codes.Unauthorized || code === Codes.TokenExpired) {
      if (!options.getToken) return setState("disconnected", code, reason)
      token = undefined
      delay = attempt === 0 ? 0 : backoff(attempt, min, max, p.random)
      attempt++
    } else if (!opened && walk + 1 < transports && (worked === undefined || attempt >= 3)) {
      // The next transport, at once. One that worked before is first tried a few rounds alone.
      walk++
      delay = 0
    } else {
      walk = 0
      delay = backoff(attempt++, min, max, p.random)
    }
    if (current.state === "connected") setState("reconnecting", code, reason)
    schedule(delay)
  }
  const min = options.minReconnectDelay ?? 500
  const max = options.maxReconnectDelay ?? 20_000

  const connect = async () => {
    if (walk >= order().length) walk = 0
    const t = order()[walk]
    if (!t) return setState("disconnected", Codes.NoTransport, "no usable transport")
    conn = t
    const gen = ++generation
    let opened = false
    const fail = (code: number, reason: string) => {
      if (gen !== generation) return
      drop()
      lost(code, reason, opened)
    }
    let used: string
    try {
      used = await tokenOf()
    } catch {
      return fail(Codes.Unauthorized, "getToken failed")
    }
    if (gen !== generation) return
    deadline = p.setTimeout(() => fail(Codes.Timeout, "connect timeout"), options.timeout ?? 10_000)
    t.connect(
      { url, token: used, cursor },
      {
        open: () => {
          if (gen !== generation || opened) return
          opened = true
          p.clearTimeout(deadline)
          worked = t
          walk = 0
          // Not at once: a server that accepts and then closes must not be retried at the
          // shortest delay forever.
          stable = p.setTimeout(() => {
            attempt = 0
          }, options.stableAfter ?? 10_000)
          setState("connected", Codes.Connected, t.name, t.name)
          // A load that failed (the server was down): try again now.
          need()
        },
        frame: (frame) => {
          if (gen === generation) onFrame(frame)
        },
        close: fail
      }
    )
  }

  const lead = () => {
    leading = true
    if (current.state === "closed") return release?.()
    if (!online) return setState("disconnected", Codes.Offline, "offline")
    // A follower that mirrored a live connection has just lost it.
    if (current.state === "connected")
      setState("reconnecting", Codes.Leader, "took over the shared connection")
    schedule(0)
  }

  const stopOnline = p.online((isOnline) => {
    if (isOnline === online || current.state === "closed") return
    online = isOnline
    if (!leading) return
    if (isOnline) {
      walk = attempt = 0
      setState(worked ? "reconnecting" : "connecting", Codes.Online, "online")
      schedule(0)
    } else {
      drop()
      p.clearTimeout(timer)
      timer = undefined
      setState("disconnected", Codes.Offline, "offline")
    }
  })

  const start = async () => {
    let first = ""
    try {
      first = await tokenOf()
    } catch {
      // connect() asks again and backs off.
    }
    if (current.state === "closed") return
    // No REST load yet: it waits for the stream's cursor (the first welcome, or the leader's).
    const user = userKey(first)
    const locks = p.locks
    const Channel = p.BroadcastChannel
    if (options.shareConnection === false || !locks || !Channel || !user) return lead()
    const name = `pushback:${url}:${user}`
    channel = new Channel(name)
    channel.onmessage = ({ data }: MessageEvent<Message>) => {
      if (leading) {
        if ("h" in data) post({ s: current, c: cursor })
      } else if ("f" in data) onFrame(data.f)
      else if ("s" in data) {
        cursor ??= data.c
        need()
        setState(data.s.state, data.s.code, data.s.reason, data.s.transport)
      }
    }
    abortLock = new AbortController()
    locks
      .request(
        name,
        { signal: abortLock.signal },
        () =>
          new Promise<void>((resolve) => {
            release = resolve
            lead()
          })
      )
      .catch(() => {})
    channel.postMessage({ h: 1 } satisfies Message)
  }

  const mark = (type: Mark, ids: ReadonlyArray<string>): Promise<number> => {
    if (ids.length === 0) return Promise.resolve(0)
    const ref = `r${++refs}`
    if (current.state === "connected" && leading && conn?.actions && conn.send({ type, ids, ref })) {
      return new Promise((ok, ko) => pending.set(ref, { type, ids, ok, ko }))
    }
    return rest<{ updated: number }>("PATCH", "/v1/me/notifications", {
      ids,
      [type === "delete" ? "deleted" : type]: true
    }).then((r) => r.updated)
  }

  void start()

  return {
    store,
    get state() {
      return current.state
    },
    get transport() {
      return current.state === "connected" ? current.transport : undefined
    },
    subscribe(onNotification, onDisconnect) {
      const offs = [on("notification", onNotification)]
      if (onDisconnect) {
        offs.push(
          on("state", (e) => {
            if (e.previous === "connected" && e.state !== "closed") onDisconnect(e)
          })
        )
      }
      return () => {
        for (const off of offs) off()
      }
    },
    on,
    markSeen: (ids) => mark("seen", ids),
    markRead: (ids) => mark("read", ids),
    remove: (ids) => mark("delete", ids),
    markAllSeen: () =>
      rest<{ updated: number }>("PATCH", "/v1/me/notifications", { all: true, seen: true }).then(
        (r) => r.updated
      ),
    async loadMore() {
      await loading
      // Not loaded yet: the first page comes with the load.
      if (inbox.list.type !== "loaded") return
      const page = await rest<NotificationList>(
        "GET",
        `/v1/me/notifications?limit=${pageSize}&offset=${inbox.view.notifications.length}`
      )
      step({ type: "more", page })
    },
    close() {
      if (current.state === "closed") return
      p.clearTimeout(timer)
      timer = undefined
      drop()
      setState("closed", Codes.Closed, "closed")
      leading = false
      release?.()
      abortLock?.abort()
      channel?.close()
      stopOnline()
    }
  }
}
