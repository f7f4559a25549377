/**
 * Delivery: the write path of every change a user can see. validate → idempotency →
 * audience (preferences) → store in one transaction, assigning each user's next `seq` →
 * publish after commit → answer. A 2xx therefore always means durably stored; the bus
 * only wakes sessions up.
 */
import { randomBytes } from "node:crypto"
import type { NotifyRequest, NotifyResponse, UserRef } from "@pushback/protocol"
import { Context, Effect, Layer } from "effect"
import { ApiError, badRequest } from "./ApiError.js"
import { Bus } from "./Bus.js"
import { Config } from "./Config.js"
import { encodeMarkFrame, encodeNotificationFrame, encodeShared, type SharedNotification } from "./Encode.js"
import { Sessions } from "./Sessions.js"
import {
  type MarkKind,
  type MarkTarget,
  type NewNotification,
  Store,
  type StreamEntry,
  type UserInput
} from "./Store.js"

/** The Delivery interface. */
export interface DeliveryShape {
  /** Stores one notification per recipient and wakes their sessions. */
  readonly notify: (
    app: string,
    request: NotifyRequest,
    idempotencyKey: string | undefined
  ) => Effect.Effect<NotifyResponse, ApiError>
  /** Applies a mark for one user; answers the ids it changed (one stream entry when any). */
  readonly mark: (
    app: string,
    user: string,
    kind: MarkKind,
    target: MarkTarget
  ) => Effect.Effect<ReadonlyArray<string>>
}

/** The Delivery service tag. */
export class Delivery extends Context.Tag("@pushback/server/Delivery")<Delivery, DeliveryShape>() {}

/** A random, URL-safe id part. */
export const randomId = (bytes = 12): string => randomBytes(bytes).toString("base64url")

/** Merges repeated users of one call (later details win) and normalizes plain ids. */
const dedupeUsers = (refs: ReadonlyArray<UserRef>): Array<UserInput> => {
  const byId = new Map<string, UserInput>()
  for (const ref of refs) {
    const user: UserInput = typeof ref === "string" ? { id: ref } : ref
    const prior = byId.get(user.id)
    byId.set(user.id, {
      id: user.id,
      email: user.email ?? prior?.email,
      name: user.name ?? prior?.name
    })
  }
  return [...byId.values()]
}

/** Builds Delivery from the store, bus, sessions and config. */
export const makeDelivery = Effect.gen(function* () {
  const store = yield* Store
  const bus = yield* Bus
  const sessions = yield* Sessions
  const config = yield* Config

  const notify: DeliveryShape["notify"] = (app, req, headerKey) =>
    Effect.gen(function* () {
      const key = req.idempotencyKey ?? headerKey
      const now = new Date()
      const createdAt = now.toISOString()
      if (req.type !== undefined) {
        const types = yield* store.listEventTypes(app)
        if (types.length > 0 && !types.some((t) => t.name === req.type)) {
          return yield* badRequest(`type: unknown event type "${req.type}"`, "type")
        }
      }
      // The part every recipient shares, serialized once for the rows and once for the frames.
      const fields: SharedNotification = {
        type: req.type ?? null,
        title: req.title ?? null,
        content: JSON.stringify(req.content),
        url: req.url ?? null,
        icon: req.icon ?? null,
        image: req.image ?? null,
        data: req.data === undefined ? null : JSON.stringify(req.data),
        createdAt
      }
      const shared = encodeShared(fields)
      if (Buffer.byteLength(shared) + 512 > config.limits.notificationBytes) {
        return yield* new ApiError({
          code: "payload_too_large",
          message: `the notification is larger than ${config.limits.notificationBytes} bytes once serialized`
        })
      }
      const given = req.users === undefined ? undefined : dedupeUsers(req.users)
      if (given !== undefined && given.length > config.limits.usersPerNotify) {
        return yield* badRequest(`users: at most ${config.limits.usersPerNotify} users per call`, "users")
      }

      const outcome = yield* store.transaction(
        Effect.gen(function* () {
          if (key !== undefined) {
            const notBefore = new Date(
              now.getTime() - config.limits.idempotencyTtlSeconds * 1000
            ).toISOString()
            const prior = yield* store.findIdempotent(app, key, notBefore)
            if (prior !== undefined) return { response: JSON.parse(prior) as NotifyResponse, entries: [] }
          }
          const named = given === undefined ? yield* store.allUserIds(app) : given.map((u) => u.id)
          const out =
            req.type !== undefined && named.length > 0
              ? yield* store.optedOut(app, req.type, named)
              : new Set()
          const audience = out.size > 0 ? named.filter((u) => !out.has(u)) : named
          let seqs: ReadonlyArray<number> = []
          if (given === undefined) {
            if (audience.length > 0) seqs = yield* store.nextSeqs(app, audience)
          } else {
            // Named users are registered by the call; the audience's seqs move in the same statement.
            const skipped = out.size > 0 ? given.filter((u) => out.has(u.id)) : []
            if (skipped.length > 0) yield* store.upsertUsers(app, skipped, createdAt)
            const reached = out.size > 0 ? given.filter((u) => !out.has(u.id)) : given
            if (reached.length > 0) seqs = yield* store.registerAndNextSeqs(app, reached, createdAt)
          }
          const stem = randomId()
          const callId = `call_${stem}`
          const rows: Array<NewNotification> = new Array(audience.length)
          const entries: Array<StreamEntry> = new Array(audience.length)
          let online = 0
          for (let i = 0; i < audience.length; i++) {
            const user = audience[i]!
            const seq = seqs[i]!
            const id = `ntf_${stem}_${i.toString(36)}`
            rows[i] = { ...fields, id, user, seq, callId }
            entries[i] = { user, seq, payload: encodeNotificationFrame(seq, id, user, shared) }
            if (sessions.isOnline(app, user)) online++
          }
          yield* store.insertNotifications(app, rows)
          yield* store.insertEntries(app, entries, createdAt)
          const response: NotifyResponse = { id: callId, recipients: audience.length, online }
          yield* store.recordCall(app, {
            id: callId,
            email: req.email === undefined ? null : JSON.stringify(req.email),
            recipients: audience.length,
            online,
            createdAt
          })
          if (key !== undefined) yield* store.saveIdempotent(app, key, JSON.stringify(response), createdAt)
          return { response, entries }
        })
      )
      if (outcome.entries.length > 0) yield* bus.publish(app, outcome.entries)
      return outcome.response
    })

  const mark: DeliveryShape["mark"] = (app, user, kind, target) =>
    Effect.gen(function* () {
      const now = new Date().toISOString()
      const outcome = yield* store.transaction(
        Effect.gen(function* () {
          const ids = yield* store.mark(app, user, kind, target, now)
          if (ids.length === 0) return { ids, entries: [] }
          const [seq] = yield* store.nextSeqs(app, [user])
          const entries = [{ user, seq: seq!, payload: encodeMarkFrame(kind, seq!, ids) }]
          yield* store.insertEntries(app, entries, now)
          return { ids, entries }
        })
      )
      if (outcome.entries.length > 0) yield* bus.publish(app, outcome.entries)
      return outcome.ids
    })

  return { notify, mark } satisfies DeliveryShape
})

/** The Delivery layer. */
export const layerDelivery = Layer.effect(Delivery, makeDelivery)
