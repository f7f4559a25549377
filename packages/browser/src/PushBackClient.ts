/**
 * The public shape of a client: the options of `PushBack.init` (and `createClient`), the events
 * of `on()`, and the methods. `Client.ts` implements it; `PushBack.ts` forwards to it.
 */
import type { ConnectionState, StateEvent, TransportName } from "./Codes.js"
import type { ConnectionOptions } from "./Connection.js"
import type { Platform } from "./Platform.js"
import type { NotificationStore } from "./Store.js"
import type { Notification } from "./types.js"

/** Options of `PushBack.init`. One of `token` and `getToken` is required. */
export interface PushBackOptions extends ConnectionOptions {
  /** The server's base URL, e.g. `https://push.example.com`. */
  readonly url: string
  /** A user token (minted by your backend). */
  readonly token?: string | undefined
  /** Fetches a fresh user token; called at start without `token`, and whenever the token is refused. */
  readonly getToken?: (() => Promise<string>) | undefined
  /** Share one connection between the tabs of this origin and user. Default: true where Web Locks and BroadcastChannel exist. */
  readonly shareConnection?: boolean
  /** Notifications per REST page. Default 20. */
  readonly pageSize?: number
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
  /**
   * For the separate entry points (`@pushback/browser/chat`, `/channels`), which also listen
   * with `on` to the frames of their own types: sends a frame over this tab's WebSocket, when
   * this tab holds one (the leader tab); false otherwise (go through REST instead).
   */
  send(frame: object): boolean
  /** For the separate entry points: a REST call as this user (JSON in and out), answered with its JSON. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>
  /** For the separate entry points: the user token in use (fetched with `getToken` when none is). */
  token(): Promise<string>
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
