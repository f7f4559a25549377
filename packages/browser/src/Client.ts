/**
 * The client: one user's real-time connection, notification store and actions — a thin facade
 * over three parts, each in its own module:
 *
 * - `Connection` (a state machine and its runner): the transport walk, backoff, liveness, tokens.
 * - `InboxSync` (a pure reducer): the list and the exact counts, from stream entries and REST reads.
 * - `TabLeader`: one connection per browser and user, relayed to the other tabs.
 *
 * What the facade adds is the stream rule (`Stream.place`: each entry applied once, in `seq`
 * order; a gap resumes, or for a following tab reloads), the events, and the actions. Marks go
 * over WebSocket actions when this tab holds a WebSocket connection, over REST otherwise; an
 * action still waiting for its reply when the connection drops is sent again over REST.
 */
import { Codes, type StateEvent } from "./Codes.js"
import type { Shown } from "./Connection.js"
import { emptyInbox, type InboxEvent, reduceInbox } from "./InboxSync.js"
import { userKey } from "./internal/claims.js"
import { makeEvents } from "./internal/events.js"
import { makeRest } from "./internal/rest.js"
import { type Connection, runConnection } from "./internal/runConnection.js"
import { makeTokens } from "./internal/tokens.js"
import { resolvePlatform } from "./Platform.js"
import { PushBackError } from "./PushBackError.js"
import type { PushBackClient, PushBackEvents, PushBackOptions } from "./PushBackClient.js"
import { makeStore } from "./Store.js"
import { place } from "./Stream.js"
import { electLeader, type TabLeader } from "./TabLeader.js"
import type {
  ClientFrame,
  Counts,
  MarkFrame,
  NotificationFrame,
  NotificationList,
  ServerFrame,
  StreamEntryFrame
} from "./types.js"

export type { PushBackClient, PushBackEvents, PushBackOptions }

type Mark = "seen" | "read" | "delete"

/** The time that stamps `seenAt`/`readAt` of items marked by a stream entry. */
const now = () => new Date().toISOString()

/** Creates a client and starts connecting. */
export const createClient = (options: PushBackOptions): PushBackClient => {
  const { getToken } = options
  if (options.token === undefined && getToken === undefined) {
    throw new TypeError("PushBack: pass token or getToken")
  }
  const p = resolvePlatform(options.platform)
  const url = options.url.replace(/\/+$/, "")
  const pageSize = options.pageSize ?? 20
  const { store, set } = makeStore({ ...emptyInbox.view, state: "connecting" })
  const tokens = makeTokens(options.token, getToken)
  const call = makeRest(p.fetch, url, tokens, getToken !== undefined)
  const rest = <T>(method: string, path: string, body?: unknown) =>
    call<T>(method, path, body).then(([json]) => json)
  /** WebSocket actions waiting for their reply, by `ref`. */
  const pending = new Map<
    string,
    { type: Mark; ids: ReadonlyArray<string>; ok: (n: number) => void; ko: (e: unknown) => void }
  >()
  let refs = 0
  /** The last `seq` applied; undefined until the stream (or the leader tab) gives one. */
  let cursor: number | undefined
  let current: StateEvent = { state: "connecting", previous: "connecting", code: Codes.Normal, reason: "" }
  let inbox = emptyInbox
  /** The last load, for `loadMore` to wait on. */
  let loading: Promise<void> | undefined
  let tabs: TabLeader | undefined
  /** This tab's connection, from when it leads. */
  let connection: Connection | undefined

  // `tell` also emits events named by a frame type (the separate entry points listen to theirs).
  const { emit: tell, on } = makeEvents<PushBackEvents & { [type: string]: (arg: unknown) => void }>(
    p.setTimeout
  )
  const setState = ({ state, code, reason, transport }: Shown) => {
    if (state === current.state || current.state === "closed") return
    // Not connected any more: actions waiting for a reply over the connection go over REST.
    for (const [ref, action] of pending) {
      pending.delete(ref)
      mark(action.type, action.ids).then(action.ok, action.ko)
    }
    current = { state, previous: current.state, code, reason, transport }
    set({ state })
    if (state !== "closed") tabs?.relay({ s: current, c: cursor })
    tell("state", current)
  }

  /** The counts, and the seq they reflect (the `PushBack-Cursor` header). */
  const counts = () =>
    call<Counts>("GET", "/v1/me/counts").then(([counts, headers]) => ({
      counts,
      through: Number(headers.get("pushback-cursor") ?? cursor ?? 0)
    }))
  /** Feeds InboxSync one event, shows what changed and makes the reads it asks for. */
  const step = (event: InboxEvent) => {
    const [next, effects] = reduceInbox(inbox, event)
    const changed = next.view !== inbox.view
    inbox = next
    if (changed) set(next.view)
    for (const effect of effects) {
      if (effect.type === "count") {
        counts().then(
          (answer) => step({ type: "counted", ...answer }),
          () => step({ type: "failed" })
        )
        continue
      }
      const { id } = effect
      // A (re)load: the first, a `reset` or a follower's gap. The entry points refetch theirs.
      tell("reload", id)
      const load = Promise.all([
        counts(),
        rest<NotificationList>("GET", `/v1/me/notifications?limit=${pageSize}`)
      ]).then(
        ([answer, page]) => step({ type: "loaded", id, ...answer, page, now: now() }),
        () => step({ type: "failed", id })
      )
      loading = load
    }
  }
  /** Loads the list if it is not loaded and no load is running, once the stream has a cursor. */
  const need = () => {
    if (cursor !== undefined) step({ type: "need" })
  }

  const onFrame = (frame: ServerFrame) => {
    if (frame.type === "reply") {
      const action = pending.get(frame.ref)
      if (!action) return
      pending.delete(frame.ref)
      if (frame.ok) action.ok((frame.result as { updated: number }).updated)
      else action.ko(new PushBackError(0, frame.error.code, frame.error.message))
      return
    }
    // The frames without a seq reach the following tabs too.
    if (!("seq" in frame)) {
      tabs?.relay({ f: frame })
      // The first welcome starts the stream, and the load; followers start from the leader's.
      if (frame.type === "welcome") {
        cursor ??= frame.cursor
        return need()
      }
      if (frame.type === "reset") {
        cursor = frame.cursor
        return step({ type: "reload" })
      }
      // `typing`, the channels' frames: told to the separate entry points (`@pushback/browser/chat`,
      // `/channels`) by type, in every tab. `error` and `pong` say nothing.
      return tell(frame.type, frame)
    }
    const where = place(cursor, frame.seq)
    if (where === 1) return // applied already
    if (where === 2) {
      // A gap, a lost entry: resume from the cursor, at once.
      if (tabs?.leading) return connection?.gap()
      // A follower cannot resume on its own: it refetches its list and goes on.
      step({ type: "reload" })
    } else {
      // A follower's first news: what came before this entry is in a REST read made from now.
      cursor ??= frame.seq - 1
      need()
    }
    cursor = frame.seq
    tabs?.relay({ f: frame })
    // The chat's entries name no notification: InboxSync leaves the list and counts as they are.
    step({ type: "entry", entry: frame as StreamEntryFrame, now: now() })
    // A notification or a mark tells what `PushBackEvents` says; the chat's entries, themselves.
    const { notification, ids } = frame as Partial<NotificationFrame & MarkFrame>
    tell(frame.type, notification ?? ids ?? frame)
  }

  const start = async () => {
    // No REST load yet: it waits for the stream's cursor (the first welcome, or the leader's).
    const first = await tokens.get().catch(() => "") // connecting asks again, and backs off
    if (current.state === "closed") return
    const user = userKey(first)
    tabs = electLeader(
      p,
      options.shareConnection === false || !user ? undefined : `pushback:${url}:${user}`,
      {
        lead: () => {
          connection = runConnection(
            { ...options, url, tokens, platform: p, refresh: getToken !== undefined },
            {
              cursor: () => cursor,
              frame: onFrame,
              announce(shown) {
                setState(shown)
                // A load that failed (the server was down): try again now.
                if (shown.state === "connected") need()
              }
            },
            current.state
          )
        },
        follow(message) {
          if ("f" in message) return onFrame(message.f)
          cursor ??= message.c
          need()
          setState(message.s)
        },
        hello: () => ({ s: current, c: cursor })
      }
    )
  }

  const mark = (type: Mark, ids: ReadonlyArray<string>): Promise<number> => {
    if (ids.length === 0) return Promise.resolve(0)
    const ref = `r${++refs}`
    if (current.state === "connected" && tabs?.leading && connection?.send({ type, ids, ref })) {
      return new Promise((ok, ko) => pending.set(ref, { type, ids, ok, ko }))
    }
    return patch({ ids, [type === "delete" ? "deleted" : type]: true })
  }
  /** A batch mark over REST; resolves with how many changed. */
  const patch = (body: object) =>
    rest<{ updated: number }>("PATCH", "/v1/me/notifications", body).then((r) => r.updated)

  void start()

  return {
    store,
    get state() {
      return current.state
    },
    get transport() {
      // Only a `connected` state names one.
      return current.transport
    },
    subscribe(onNotification, onDisconnect) {
      const offNotification = on("notification", onNotification)
      const offState = on("state", (e) => {
        if (e.previous === "connected" && e.state !== "closed") onDisconnect?.(e)
      })
      return () => {
        offNotification()
        offState()
      }
    },
    on,
    send: (frame) => !!connection?.send(frame as ClientFrame),
    request: rest,
    token: tokens.get,
    markSeen: (ids) => mark("seen", ids),
    markRead: (ids) => mark("read", ids),
    remove: (ids) => mark("delete", ids),
    markAllSeen: () => patch({ all: true, seen: true }),
    async loadMore() {
      await loading
      // Not loaded yet: the first page comes with the load.
      if (inbox.list.type !== 2) return
      const page = await rest<NotificationList>(
        "GET",
        `/v1/me/notifications?limit=${pageSize}&offset=${inbox.view.notifications.length}`
      )
      step({ type: "more", page })
    },
    close() {
      if (current.state === "closed") return
      connection?.close()
      setState({ state: "closed", code: Codes.Closed, reason: "closed" })
      tabs?.close()
    }
  }
}
