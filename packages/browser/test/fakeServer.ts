/**
 * An in-process fake PushBack server for the SDK's unit tests (after centrifuge-js's
 * `fakeServer.ts`). It holds one user's notifications and stream in memory and speaks the
 * protocol through fake `WebSocket`, `EventSource` and `fetch` implementations, which a test
 * hands to the client as `platform`. Everything it delivers arrives on a later microtask, as
 * on a real network, so tests run with vitest's fake timers and `advanceTimersByTimeAsync`.
 *
 * Hooks:
 * - `platform`: `{WebSocket, EventSource, fetch, online}` for `createClient({platform})`.
 * - `notify(fields?)`: stores a notification and delivers its stream entry live.
 * - `mark(type, ids)`: a mark made in another session (entry delivered live); answers the ids changed.
 * - `dropNext()`: the next entry is stored but not delivered live (a lost bus message: a gap).
 * - `resend(seq)`: delivers an old entry again (a duplicate).
 * - `closeAll(code)`: ends every live connection with a close code (1006: the network).
 * - `stall()`: every open WebSocket goes half-open: it stays open on the client's side, but
 *   nothing reaches it any more (no entries, no replies, no `pong`) and what the client sends
 *   is still recorded in `received` but never answered; the server forgets the connection.
 *   New connections work as usual (the network came back under another address).
 * - `down`: while true, every connection and request fails as if the host were unreachable.
 * - `refuse`: transports whose connections fail (e.g. `new Set(["websocket"])`).
 * - `silent`: transports whose connections never answer (for the connect timeout).
 * - `issue()`: mints a valid token; `expire()`: every token so far expires (live ones closed 4009).
 * - `forget()`: drops the retained stream, so any older cursor gets `reset`.
 * - `setOnline(bool)`: fires the online watcher.
 * - `opened`: every connection attempt (`{transport, url, cursor, token}`); `live()`: open connections;
 *   `received`: WebSocket frames from clients; `requests`: REST and poll calls (`"GET /v1/me/counts"`).
 *
 * A WebSocket `ping` frame is answered by `pong`, as the real server does.
 */
import type { Platform } from "../src/Platform.js"
import type { Notification } from "../src/types.js"

type Transport = "websocket" | "sse" | "poll"
type Entry = { seq: number; json: string }
interface Live {
  readonly transport: Transport
  cursor: number
  deliver(json: string): void
  end(code: number): void
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve))

export interface FakeServer {
  readonly platform: Platform
  readonly user: string
  notify(fields?: Partial<Notification>): Notification
  mark(type: "seen" | "read" | "deleted", ids: ReadonlyArray<string>): ReadonlyArray<string>
  dropNext(): void
  resend(seq: number): void
  closeAll(code: number): void
  stall(): void
  down: boolean
  refuse: Set<Transport>
  silent: Set<Transport>
  issue(): string
  expire(): void
  forget(): void
  setOnline(online: boolean): void
  readonly opened: Array<{ transport: Transport; url: string; cursor: number | undefined; token: string }>
  live(): ReadonlyArray<Transport>
  readonly received: Array<Record<string, unknown>>
  readonly requests: Array<string>
  readonly notifications: Map<string, Notification & { deleted?: boolean }>
  readonly latest: () => number
}

/** Builds a fake server for user `alice` of app `app_test`. */
export const makeFakeServer = (): FakeServer => {
  const user = "alice"
  const notifications = new Map<string, Notification & { deleted?: boolean }>()
  const entries: Array<Entry> = []
  let retainedAfter = 0
  let seq = 0
  let ids = 0
  let tokens = 0
  const valid = new Set<string>()
  const expired = new Set<string>()
  const live = new Set<Live>()
  const sockets = new Set<{ stall(): void }>()
  let dropping = false
  let onlineSetter: ((online: boolean) => void) | undefined

  const auth = (token: string | null | undefined): "ok" | "expired" | "invalid" =>
    token && valid.has(token) ? "ok" : token && expired.has(token) ? "expired" : "invalid"

  const append = (frame: Record<string, unknown>) => {
    seq++
    const entry = { seq, json: JSON.stringify({ ...frame, seq }) }
    entries.push(entry)
    if (dropping) {
      dropping = false
      return
    }
    for (const l of live) {
      if (l.cursor < seq) {
        l.cursor = seq
        l.deliver(entry.json)
      }
    }
  }
  const markIds = (type: "seen" | "read" | "deleted", list: ReadonlyArray<string>): Array<string> => {
    const now = new Date().toISOString()
    const changed: Array<string> = []
    for (const id of list) {
      const n = notifications.get(id)
      if (!n || n.deleted) continue
      if (type === "deleted") {
        n.deleted = true
        changed.push(id)
      } else if (type === "seen" && n.seenAt === null) {
        notifications.set(id, { ...n, seenAt: now })
        changed.push(id)
      } else if (type === "read" && n.readAt === null) {
        notifications.set(id, { ...n, readAt: now, seenAt: n.seenAt ?? now })
        changed.push(id)
      }
    }
    if (changed.length > 0) append({ type, ids: changed })
    return changed
  }
  const visible = () => [...notifications.values()].filter((n) => !n.deleted).reverse()
  const strip = ({ deleted: _, ...n }: Notification & { deleted?: boolean }): Notification => n
  const counts = () => {
    const all = visible()
    return {
      unseen: all.filter((n) => n.seenAt === null).length,
      unread: all.filter((n) => n.readAt === null).length,
      total: all.length
    }
  }
  /** What a new connection is sent: welcome, then the entries after its cursor or `reset`. */
  const opening = (cursor: number | undefined): { frames: Array<string>; cursor: number } => {
    const welcome = (c: number) =>
      JSON.stringify({ type: "welcome", user, session: `s${tokens}`, cursor: c, unseen: counts().unseen })
    if (cursor === undefined) return { frames: [welcome(seq)], cursor: seq }
    if (cursor < retainedAfter || cursor > seq) {
      return { frames: [welcome(seq), JSON.stringify({ type: "reset", cursor: seq })], cursor: seq }
    }
    const after = entries.filter((e) => e.seq > cursor)
    return { frames: [welcome(cursor), ...after.map((e) => e.json)], cursor: seq }
  }
  // A minimal Response: what the SDK reads, with no stream machinery behind it.
  const json = (status: number, body?: unknown, headers: Record<string, string> = {}) =>
    ({
      status,
      ok: status >= 200 && status < 300,
      headers: new Headers(headers),
      json: async () => body
    }) as unknown as Response
  const unreachable = () => new TypeError("fetch failed")

  // ---------------------------------------------------------------- WebSocket

  class FakeWebSocket {
    readyState = 0
    onopen: (() => void) | null = null
    onmessage: ((event: { data: string }) => void) | null = null
    onclose: ((event: { code: number; reason: string }) => void) | null = null
    onerror: (() => void) | null = null
    #live: Live | undefined
    #stalled = false
    readonly url: string
    constructor(url: string) {
      this.url = url
      sockets.add(this)
      const fails = server.down || server.refuse.has("websocket")
      const silent = server.silent.has("websocket")
      void tick().then(() => {
        if (silent) return
        if (fails) return this.#closed(1006)
        this.readyState = 1
        this.onopen?.()
      })
    }
    #closed(code: number, reason = "") {
      if (this.readyState === 3) return
      this.readyState = 3
      sockets.delete(this)
      if (this.#live) live.delete(this.#live)
      // A half-open socket's close handshake never completes: no close event.
      if (!this.#stalled) void tick().then(() => this.onclose?.({ code, reason }))
    }
    #send(data: string) {
      void tick().then(() => {
        if (this.readyState === 1 && !this.#stalled) this.onmessage?.({ data })
      })
    }
    /** Half-open from now on (see `stall()`). */
    stall() {
      this.#stalled = true
      if (this.#live) live.delete(this.#live)
    }
    send(data: string) {
      const frame = JSON.parse(data) as Record<string, unknown>
      server.received.push(frame)
      if (this.#stalled) return
      if (frame["type"] === "ping") return this.#send('{"type":"pong"}')
      if (frame["type"] === "hello") {
        const token = frame["token"] as string
        const cursor = frame["cursor"] as number | undefined
        server.opened.push({ transport: "websocket", url: this.url, cursor, token })
        const verdict = auth(token)
        if (verdict !== "ok") return this.#closed(verdict === "expired" ? 4009 : 4001)
        const open = opening(cursor)
        for (const f of open.frames) this.#send(f)
        this.#live = {
          transport: "websocket",
          cursor: open.cursor,
          deliver: (j) => this.#send(j),
          end: (code) => this.#closed(code)
        }
        live.add(this.#live)
        return
      }
      const type = frame["type"] as "seen" | "read" | "delete"
      const changed = markIds(type === "delete" ? "deleted" : type, frame["ids"] as Array<string>)
      this.#send(
        JSON.stringify({ type: "reply", ref: frame["ref"], ok: true, result: { updated: changed.length } })
      )
    }
    close(code = 1000) {
      this.#closed(code)
    }
  }

  // ---------------------------------------------------------------- EventSource

  class FakeEventSource {
    readyState = 0
    readonly url: string
    #listeners = new Map<string, Set<(event: unknown) => void>>()
    #live: Live | undefined
    constructor(url: string) {
      this.url = url
      const params = new URL(url).searchParams
      const token = params.get("token") ?? ""
      const c = params.get("cursor")
      const cursor = c === null ? undefined : Number(c)
      const fails = server.down || server.refuse.has("sse")
      const silent = server.silent.has("sse")
      void tick().then(() => {
        if (silent || this.readyState === 2) return
        if (fails) return this.#fail()
        server.opened.push({ transport: "sse", url, cursor, token })
        if (auth(token) !== "ok") return this.#fail()
        this.readyState = 1
        const open = opening(cursor)
        for (const f of open.frames) this.#event(f)
        this.#live = {
          transport: "sse",
          cursor: open.cursor,
          deliver: (j) => this.#event(j),
          end: (code) => {
            if (code === 1006) return this.#fail()
            const reason = code === 4009 ? "token_expired" : code === 1001 ? "going_away" : "closed"
            this.#event(JSON.stringify({ type: "error", code: reason, message: reason }))
            if (this.#live) live.delete(this.#live)
          }
        }
        live.add(this.#live)
      })
    }
    #fail() {
      if (this.#live) live.delete(this.#live)
      this.readyState = 2
      void tick().then(() => this.#emit("error", { type: "error" }))
    }
    #event(data: string) {
      const type = (JSON.parse(data) as { type: string }).type
      void tick().then(() => {
        if (this.readyState === 1) this.#emit(type, { type, data })
      })
    }
    #emit(type: string, event: unknown) {
      for (const l of this.#listeners.get(type) ?? []) l(event)
    }
    addEventListener(type: string, listener: (event: unknown) => void) {
      let set = this.#listeners.get(type)
      if (!set) {
        set = new Set()
        this.#listeners.set(type, set)
      }
      set.add(listener)
    }
    close() {
      this.readyState = 2
      if (this.#live) live.delete(this.#live)
    }
  }

  // ---------------------------------------------------------------- fetch (REST and long-poll)

  const pollAnswer = (params: URLSearchParams, signal: AbortSignal | undefined): Promise<Response> => {
    const token = params.get("token")
    const c = params.get("cursor")
    const cursor = c === null ? undefined : Number(c)
    if (server.down || server.refuse.has("poll")) return Promise.reject(unreachable())
    server.opened.push({ transport: "poll", url: `/v1/poll?${params}`, cursor, token: token ?? "" })
    if (server.silent.has("poll")) return new Promise(() => {})
    if (auth(token) !== "ok")
      return Promise.resolve(json(401, { error: { code: "unauthorized", message: "no" } }))
    if (cursor === undefined) {
      const open = opening(undefined)
      return Promise.resolve(
        json(200, { frames: open.frames.map((f) => JSON.parse(f)), cursor: open.cursor })
      )
    }
    const open = opening(cursor)
    const backlog = open.frames.slice(1)
    if (backlog.length > 0 || params.get("wait") === "0") {
      return Promise.resolve(json(200, { frames: backlog.map((f) => JSON.parse(f)), cursor: open.cursor }))
    }
    return new Promise((resolve, reject) => {
      const frames: Array<unknown> = []
      let timer: ReturnType<typeof setTimeout> | undefined
      const l: Live = {
        transport: "poll",
        cursor,
        deliver: (j) => {
          frames.push(JSON.parse(j))
          finish()
        },
        end: (code) => {
          live.delete(l)
          clearTimeout(timer)
          if (code === 1006) reject(unreachable())
          else resolve(json(code === 4009 ? 401 : 503, { error: { code: "closed", message: "closed" } }))
        }
      }
      const finish = () => {
        live.delete(l)
        clearTimeout(timer)
        void tick().then(() => resolve(json(200, { frames, cursor: l.cursor })))
      }
      timer = setTimeout(finish, 25_000)
      live.add(l)
      signal?.addEventListener("abort", () => {
        live.delete(l)
        clearTimeout(timer)
        reject(new DOMException("aborted", "AbortError"))
      })
    })
  }

  const fakeFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    await tick()
    const url = new URL(String(input))
    const method = init?.method ?? "GET"
    if (url.pathname === "/v1/poll") {
      server.requests.push(`GET /v1/poll`)
      return pollAnswer(url.searchParams, init?.signal ?? undefined)
    }
    server.requests.push(`${method} ${url.pathname}`)
    if (server.down) throw unreachable()
    const header = new Headers(init?.headers).get("authorization") ?? ""
    if (auth(header.replace(/^Bearer /, "")) !== "ok") {
      return json(401, { error: { code: "unauthorized", message: "bad token" } })
    }
    if (method === "GET" && url.pathname === "/v1/me/counts") {
      // Like the server: the seq the counts reflect, read with them.
      return json(200, counts(), { "pushback-cursor": String(seq) })
    }
    if (method === "GET" && url.pathname === "/v1/me/notifications") {
      const limit = Number(url.searchParams.get("limit") ?? 20)
      const offset = Number(url.searchParams.get("offset") ?? 0)
      const all = visible()
      const results = all.slice(offset, offset + limit).map(strip)
      const next =
        offset + limit < all.length ? `${url.origin}${url.pathname}?offset=${offset + limit}` : null
      return json(200, { count: all.length, next, previous: null, results })
    }
    if (method === "PATCH" && url.pathname === "/v1/me/notifications") {
      const body = JSON.parse(String(init?.body)) as {
        ids?: Array<string>
        all?: boolean
        seen?: boolean
        read?: boolean
        deleted?: boolean
      }
      const target = body.all ? visible().map((n) => n.id) : (body.ids ?? [])
      const type = body.deleted ? "deleted" : body.read ? "read" : "seen"
      return json(200, { updated: markIds(type, target).length })
    }
    return json(404, { error: { code: "not_found", message: "no route" } })
  }

  const server: FakeServer = {
    user,
    platform: {
      WebSocket: FakeWebSocket as unknown as typeof WebSocket,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      fetch: fakeFetch as typeof fetch,
      online: (set) => {
        onlineSetter = set
        return () => {
          onlineSetter = undefined
        }
      },
      locks: undefined,
      BroadcastChannel: undefined
    },
    notify(fields = {}) {
      const id = `n${++ids}`
      const n: Notification = {
        id,
        user,
        type: null,
        title: `title ${id}`,
        content: `content ${id}`,
        url: null,
        icon: null,
        image: null,
        data: null,
        author: null,
        createdAt: new Date().toISOString(),
        seenAt: null,
        readAt: null,
        ...fields
      }
      notifications.set(id, n)
      append({ type: "notification", notification: n })
      return n
    },
    mark: (type, list) => markIds(type, list),
    dropNext() {
      dropping = true
    },
    resend(s) {
      const entry = entries.find((e) => e.seq === s)
      if (entry) for (const l of live) l.deliver(entry.json)
    },
    closeAll(code) {
      for (const l of [...live]) l.end(code)
    },
    stall() {
      for (const socket of sockets) socket.stall()
    },
    down: false,
    refuse: new Set(),
    silent: new Set(),
    issue() {
      const token = `${b64({ alg: "HS256" })}.${b64({ app: "app_test", sub: user, n: ++tokens })}.sig`
      valid.add(token)
      return token
    },
    expire() {
      for (const t of valid) expired.add(t)
      valid.clear()
      for (const l of [...live]) l.end(4009)
    },
    forget() {
      retainedAfter = seq
      entries.length = 0
    },
    setOnline(online) {
      onlineSetter?.(online)
    },
    opened: [],
    live: () => [...live].map((l) => l.transport),
    received: [],
    requests: [],
    notifications,
    latest: () => seq
  }
  return server
}
