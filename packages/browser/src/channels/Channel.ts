/**
 * One channel as this tab sees it: its listeners, where its history stands (`position`, for
 * `since` after a reconnect), the members it knows, and the rules for the frames that reach it.
 * A publication at or below the position was delivered already (a recovery that overlaps a
 * live one) and is dropped; one beyond the next means some were lost, so the channel asks its
 * client to subscribe again from the position. How frames travel is `ChannelClient`'s.
 */
import { makeEvents } from "../internal/events.js"
import type {
  ChannelEvents,
  ChannelFrame,
  Member,
  Position,
  Publication,
  StoredPublication,
  SubscribedFrame
} from "./types.js"

/** What a channel asks of its client. */
export interface Link {
  /** The channel has listeners now (`true`) or none any more (`false`). */
  want(channel: ChannelState, wanted: boolean): void
  /** Publications were lost: subscribe again from the position. */
  resync(channel: ChannelState): void
  /** Publishes; `skipped`: the server leaves this connection's session out (over WebSocket). */
  publish(channel: ChannelState, data: unknown): Promise<{ position: Position; skipped: boolean }>
  presence(channel: ChannelState): Promise<ReadonlyArray<Member> | undefined>
}

/** Options of `client.channel(name, options)`. */
export interface ChannelOptions {
  /** A channel token from your backend (`createChannelToken`), for a channel the user token does not open. */
  readonly token?: string | undefined
}

/** One channel: subscribe, publish, presence, join and leave. */
export interface Channel {
  readonly name: string
  /**
   * Calls `onPublication` for each publication, in `offset` order, once each (recovered after a
   * reconnect when the namespace keeps history). The channel is subscribed while it has at least
   * one listener. Returns the unsubscribe.
   */
  subscribe(onPublication: (publication: Publication) => void): () => void
  /** Publishes to the other subscribers (the namespace must allow `clientPublish`). */
  publish(data: unknown): Promise<Position>
  /** The members: asked of the server over WebSocket, else as this tab knows them. */
  presence(): Promise<ReadonlyArray<Member>>
  /** The members as this tab knows them, kept by `subscribed`, `join` and `leave`. */
  readonly members: ReadonlyArray<Member>
  /** Where the history stands (the last publication delivered), once subscribed. */
  readonly position: Position | undefined
  /** Whether the subscription is live on the current connection. */
  readonly live: boolean
  /** Listens to `join`, `leave`, `presence`, `subscribed`, `unsubscribed`; returns the unsubscribe. */
  on<K extends keyof ChannelEvents>(type: K, listener: ChannelEvents[K]): () => void
}

/** The client's side of a channel. */
export interface ChannelState {
  readonly api: Channel
  readonly name: string
  token: string | undefined
  position: Position | undefined
  /** Has listeners (so it is subscribed whenever a connection is open). */
  readonly wanted: boolean
  /** Applies a frame addressed to this channel. */
  apply(frame: ChannelFrame): void
  /** The connection is gone: the subscription is not live any more. */
  lost(): void
  /**
   * The server refused the subscription (`forbidden`, `not_found`) or ended it: the listeners are
   * dropped, and it is not asked for again until a new `subscribe`.
   */
  refused(code: string): void
}

/** Makes the channel `name`, bound to its client through `link`. */
export const makeChannel = (
  name: string,
  options: ChannelOptions,
  link: Link,
  setTimeout: (callback: () => void, ms: number) => unknown
): ChannelState => {
  const listeners = new Set<(publication: Publication) => void>()
  const { emit, on } = makeEvents<ChannelEvents>(setTimeout)
  const members = new Map<string, Member>()
  let live = false
  /** Whether a subscribe has been live before (so the next one is a resubscribe). */
  let before = false

  const showMembers = () => emit("presence", [...members.values()])
  const deliver = (publication: Publication) => {
    for (const listener of listeners) {
      try {
        listener(publication)
      } catch (e) {
        setTimeout(() => {
          throw e
        }, 0)
      }
    }
  }
  /**
   * This tab's own publications over WebSocket never come back to it (the server leaves out the
   * publishing session), so their offsets, known from each publish's answer, are skipped over (one
   * made over REST, on SSE or long-poll, comes back like any other); a publication
   * that arrives past a gap while a publish of ours is unanswered waits for that answer.
   */
  const own = new Set<number>()
  let publishing = 0
  let held: Array<StoredPublication> = []
  const skipOwn = () => {
    const at = state.position
    if (at === undefined) return
    let offset = at.offset
    while (own.delete(offset + 1)) offset++
    if (offset !== at.offset) state.position = { epoch: at.epoch, offset }
  }
  /** Delivers a publication in order; false when some before it are missing. */
  const next = (offset: number, data: unknown, user: string | undefined): boolean => {
    skipOwn()
    const at = state.position
    if (at !== undefined && offset <= at.offset) return true
    if (at !== undefined && offset > at.offset + 1) return false
    if (at !== undefined) state.position = { epoch: at.epoch, offset }
    deliver({ channel: name, offset, data, ...(user !== undefined && { user }) })
    return true
  }
  /** Delivers what was held, in order; what still follows a gap once no publish is unanswered: subscribe again. */
  const settle = () => {
    held.sort((a, b) => a.offset - b.offset)
    while (held.length > 0 && next(held[0]!.offset, held[0]!.data, held[0]!.user)) held.shift()
    skipOwn()
    if (held.length > 0 && publishing === 0) {
      held = []
      link.resync(state)
    }
  }
  const publish = (data: unknown) => {
    publishing++
    const done = () => {
      publishing--
      settle()
    }
    return link.publish(state, data).then(
      ({ position, skipped }) => {
        if (skipped && position.epoch === state.position?.epoch) own.add(position.offset)
        done()
        return position
      },
      (error: unknown) => {
        done()
        throw error
      }
    )
  }
  const subscribed = (frame: SubscribedFrame) => {
    const resubscribed = before
    const wasLive = live
    const at = state.position
    // Recovered: the missed publications follow the position. Not (or the first subscribe): start from the frame's.
    const recovered = at === undefined || (frame.recovered && frame.epoch === at.epoch)
    held = []
    if (at === undefined || !recovered) state.position = { epoch: frame.epoch, offset: frame.offset }
    else for (const p of frame.publications) next(p.offset, p.data, p.user)
    if (state.position!.offset < frame.offset) state.position = { epoch: frame.epoch, offset: frame.offset }
    live = before = true
    if (frame.presence) {
      members.clear()
      for (const m of frame.presence) members.set(m.id, m)
      showMembers()
    }
    // Long-poll subscribes at each poll: only news is told.
    if (!wasLive || !recovered)
      emit("subscribed", { epoch: frame.epoch, offset: frame.offset, recovered, resubscribed })
  }

  const api: Channel = {
    name,
    subscribe(onPublication) {
      const listener = (p: Publication) => onPublication(p)
      listeners.add(listener)
      if (listeners.size === 1) link.want(state, true)
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) return
        live = false
        link.want(state, false)
      }
    },
    publish,
    presence: () => link.presence(state).then((users) => users ?? [...members.values()]),
    get members() {
      return [...members.values()]
    },
    get position() {
      return state.position
    },
    get live() {
      return live
    },
    on
  }

  const state: ChannelState = {
    api,
    name,
    token: options.token,
    position: undefined,
    get wanted() {
      return listeners.size > 0
    },
    apply(frame) {
      switch (frame.type) {
        case "subscribed":
          return subscribed(frame)
        case "publication":
          if (next(frame.offset, frame.data, frame.user)) return
          held.push(frame)
          return settle()
        case "join":
        case "leave": {
          const member: Member = { id: frame.user, ...(frame.info !== undefined && { info: frame.info }) }
          if (frame.type === "join") members.set(member.id, member)
          else members.delete(member.id)
          emit(frame.type, member)
          return showMembers()
        }
        case "unsubscribed":
          // The answer to an `unsubscribe` this client sent (its listeners are gone already) says nothing.
          if (frame.reason !== "unsubscribe") state.refused(frame.reason)
          return
      }
    },
    lost() {
      live = false
    },
    refused(code) {
      live = false
      listeners.clear()
      emit("unsubscribed", { reason: code })
    }
  }
  return state
}
