/**
 * This node's channel subscriptions (PROTOCOL.md §12): which local session is subscribed to
 * which channel, and the writing of what happens on a channel — a publication, a join, a leave —
 * to them. Each frame is encoded once for every subscriber. A subscription opens in two steps:
 * it is added first, holding the live publications that arrive, then `open` writes `subscribed`
 * (with the publications recovered from history) and the held ones that follow it, so nothing
 * falls between history and live and nothing is written twice. Publications are written in
 * offset order (the Channels layer delivers them so); one whose epoch differs from the one the
 * session has (the history was lost, e.g. Redis restarted) is preceded by a new `subscribed`
 * with `recovered: false`, never a silent gap. A session that leaves the sessions hub leaves its
 * channels (listeners make it leave their presence).
 */
import { Context, Effect, Layer } from "effect"
import { Config } from "../config/Config.js"
import { type Session, Sessions } from "../stream/Sessions.js"
import type { MemberEvent, Position, PublicationEvent, StoredPublication } from "./Channels.js"
import { makeRate } from "./access.js"
import { channelKey } from "./names.js"
import { Namespaces } from "./Namespaces.js"

/** One session's subscription to one channel. */
export interface Subscription {
  readonly session: Session
  readonly app: string
  readonly channel: string
  /** Where the session stands: undefined until `subscribed` is written. */
  position: Position | undefined
  /** Live publications that came before `subscribed` was written. */
  held: Array<PublicationEvent> | null
  /** The `info` it shows in presence (JSON text), from its channel token. */
  info: string | null
  /** Stops what waits on it (its channel token's expiry), once it ends. */
  cancel: (() => void) | undefined
}

/** The hub's interface. */
export interface ChannelHubShape {
  /** Adds a subscription that holds live publications until `open`; undefined when it exists already. */
  readonly add: (session: Session, channel: string) => Subscription | undefined
  /** Ends a subscription (no listener is told: the caller leaves presence); undefined when there was none. */
  readonly remove: (session: Session, channel: string) => Subscription | undefined
  /** The session's subscription to `channel`, if any. */
  readonly find: (session: Session, channel: string) => Subscription | undefined
  /** How many channels the session is subscribed to. */
  readonly countOf: (session: Session) => number
  /** Writes `subscribed` (`frame`: the rest of it) then the held publications after `position`. */
  readonly open: (sub: Subscription, position: Position, frame: SubscribedParts) => void
  /** Writes a publication to the channel's local subscribers but its publisher. */
  readonly publication: (event: PublicationEvent) => void
  /** Writes a join or leave to the channel's local subscribers, when its namespace tells them. */
  readonly member: (event: MemberEvent) => void
  /** Every subscription of this node (to write the node's members again after Redis came back). */
  readonly all: () => ReadonlyArray<Subscription>
  /** Calls `listener` for each subscription that ended with its session or its namespace. */
  readonly onEnd: (listener: (sub: Subscription) => void) => void
  /**
   * Takes one of a client's publications (`key`: its session id, or app and user over REST):
   * false past `clientPublishPerSecond` (this node's count).
   */
  readonly takePublish: (key: string) => boolean
}

/** The parts of a `subscribed` frame besides the channel and position. */
export interface SubscribedParts {
  readonly recovered: boolean
  readonly publications: ReadonlyArray<StoredPublication>
  /** The presence members, encoded, when the namespace has presence. */
  readonly presence?: string | undefined
  /**
   * A long-poll that resumes: what it recovered is written as `publication` frames (none: nothing
   * is written, and the poll waits), as a session that never left would have had them.
   */
  readonly quiet?: boolean
}

/** The ChannelHub service tag. */
export class ChannelHub extends Context.Tag("@pushback/server/ChannelHub")<ChannelHub, ChannelHubShape>() {}

const publicationText = (channel: string, p: StoredPublication): string =>
  `{"type":"publication","channel":${JSON.stringify(channel)},"offset":${p.offset},"data":${p.data}${
    p.user === null ? "" : `,"user":${JSON.stringify(p.user)}`
  }}`

/** A publication as history and `subscribed` list it. */
export const publicationJson = (p: StoredPublication): string =>
  `{"offset":${p.offset},"data":${p.data}${p.user === null ? "" : `,"user":${JSON.stringify(p.user)}`}}`

const subscribedText = (channel: string, position: Position, parts: SubscribedParts): string =>
  `{"type":"subscribed","channel":${JSON.stringify(channel)},"epoch":${JSON.stringify(position.epoch)},"offset":${
    position.offset
  },"recovered":${parts.recovered},"publications":[${parts.publications.map(publicationJson).join(",")}]${
    parts.presence === undefined ? "" : `,"presence":${parts.presence}`
  }}`

/** An `unsubscribed` frame. */
export const unsubscribedText = (channel: string, reason: string): string =>
  JSON.stringify({ type: "unsubscribed", channel, reason })

/** The hub of this node. */
export const layerChannelHub = Layer.effect(
  ChannelHub,
  Effect.gen(function* () {
    const sessions = yield* Sessions
    const namespaces = yield* Namespaces
    const byChannel = new Map<string, Map<string, Subscription>>()
    const bySession = new Map<string, Map<string, Subscription>>()
    const listeners: Array<(sub: Subscription) => void> = []
    const rate = makeRate((yield* Config).channels.clientPublishPerSecond)

    const drop = (sub: Subscription): void => {
      sub.cancel?.()
      const key = channelKey(sub.app, sub.channel)
      const subs = byChannel.get(key)
      subs?.delete(sub.session.id)
      if (subs?.size === 0) byChannel.delete(key)
      const mine = bySession.get(sub.session.id)
      mine?.delete(sub.channel)
      if (mine?.size === 0) bySession.delete(sub.session.id)
    }
    const ended = (sub: Subscription): void => {
      drop(sub)
      for (const listener of listeners) listener(sub)
    }
    /** Writes one publication to one subscription, in order and once. */
    const deliver = (sub: Subscription, event: PublicationEvent, text: () => string): void => {
      const at = sub.position
      if (at === undefined) return
      if (at.epoch !== event.epoch) {
        // The history was lost: the client is told it cannot have what came before.
        const reset = { epoch: event.epoch, offset: event.offset - 1 }
        sub.position = reset
        sub.session.write(subscribedText(sub.channel, reset, { recovered: false, publications: [] }))
      } else if (event.offset <= at.offset) return
      sub.position = { epoch: event.epoch, offset: event.offset }
      if (event.from !== sub.session.id) sub.session.write(text())
    }

    sessions.onChange((session, joined) => {
      if (joined) return
      rate.forget(session.id)
      const mine = bySession.get(session.id)
      if (mine === undefined) return
      for (const sub of [...mine.values()]) ended(sub)
    })
    namespaces.onChange((app) => {
      for (const subs of [...byChannel.values()]) {
        for (const sub of [...subs.values()]) {
          if (sub.app !== app || namespaces.of(app, sub.channel) !== undefined) continue
          sub.session.write(unsubscribedText(sub.channel, "namespace_deleted"))
          ended(sub)
        }
      }
    })

    return {
      add: (session, channel) => {
        const mine = bySession.get(session.id) ?? new Map<string, Subscription>()
        if (mine.has(channel)) return undefined
        const sub: Subscription = {
          session,
          app: session.app,
          channel,
          position: undefined,
          held: [],
          info: null,
          cancel: undefined
        }
        bySession.set(session.id, mine.set(channel, sub))
        const key = channelKey(session.app, channel)
        const subs = byChannel.get(key) ?? new Map<string, Subscription>()
        byChannel.set(key, subs.set(session.id, sub))
        return sub
      },
      remove: (session, channel) => {
        const sub = bySession.get(session.id)?.get(channel)
        if (sub !== undefined) drop(sub)
        return sub
      },
      find: (session, channel) => bySession.get(session.id)?.get(channel),
      countOf: (session) => bySession.get(session.id)?.size ?? 0,
      open: (sub, position, parts) => {
        const held = sub.held ?? []
        sub.held = null
        if (parts.quiet === true && parts.recovered) {
          // A long-poll that resumes: what it missed comes as the publications a live session had.
          sub.position = { epoch: position.epoch, offset: position.offset - parts.publications.length }
          for (const p of parts.publications) {
            sub.position = { epoch: position.epoch, offset: p.offset }
            sub.session.write(publicationText(sub.channel, p))
          }
        } else sub.session.write(subscribedText(sub.channel, position, parts))
        sub.position = position
        for (const event of held) deliver(sub, event, () => publicationText(event.channel, event))
      },
      publication: (event) => {
        const subs = byChannel.get(channelKey(event.app, event.channel))
        if (subs === undefined) return
        let text: string | undefined
        const encoded = () => {
          text ??= publicationText(event.channel, event)
          return text
        }
        for (const sub of subs.values()) {
          if (sub.held !== null) sub.held.push(event)
          else deliver(sub, event, encoded)
        }
      },
      member: (event) => {
        const subs = byChannel.get(channelKey(event.app, event.channel))
        if (subs === undefined) return
        const options = namespaces.of(event.app, event.channel)
        if (options?.presence !== true || !options.joinLeave) return
        const text = `{"type":${JSON.stringify(event.kind)},"channel":${JSON.stringify(event.channel)},"user":${JSON.stringify(
          event.user
        )}${event.info === null ? "" : `,"info":${event.info}`}}`
        for (const sub of subs.values()) if (sub.position !== undefined) sub.session.write(text)
      },
      all: () => [...byChannel.values()].flatMap((subs) => [...subs.values()]),
      onEnd: (listener) => {
        listeners.push(listener)
      },
      takePublish: rate.take
    } satisfies ChannelHubShape
  })
)
