/**
 * Delivery: the write path of every change a user can see. validate (event type, size,
 * audience size) → store the whole call as one job (idempotency, audience with
 * preferences, each user's next `seq`, rows and stream entries, in one transaction) →
 * publish after commit → answer. A 2xx therefore always means durably stored; the bus
 * only wakes sessions up.
 */
import { createHash, randomBytes } from "node:crypto"
import type { NotifyRequest, NotifyResponse, UserRef } from "@pushback/protocol"
import { Context, Effect, Layer } from "effect"
import { ApiError, badRequest, unknownEventType } from "../http/ApiError.js"
import { Bus } from "../cluster/bus/Bus.js"
import { Config } from "../config/Config.js"
import { Metrics } from "../stats/Metrics.js"
import { Outbox } from "../outbox/Outbox.js"
import { encodeShared, type SharedNotification } from "./Encode.js"
import { Presence } from "../cluster/presence/Presence.js"
import type { MarkKind, MarkTarget } from "../inbox/records.js"
import { Store } from "../storage/Store.js"
import type { UserInput } from "../tenancy/TenancyStore.js"
import type { EmailPlan } from "../email/emailPlan.js"
import { EMAIL } from "../email/emailStore.js"
import type { PushPlan } from "../push/pushPlan.js"
import { PUSH } from "../push/PushStore.js"

/** The Delivery interface. */
export interface DeliveryShape {
  /**
   * Stores one notification per recipient and wakes their sessions. Plain code (http/plain.ts):
   * the promise rejects with an ApiError for a call refused.
   */
  readonly notify: (
    app: string,
    request: NotifyRequest,
    idempotencyKey: string | undefined
  ) => Promise<NotifyResponse>
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

/**
 * What makes two notify bodies "the same" for an idempotency key: every field but the key
 * itself (so the body key and the header mean the same), hashed.
 */
const bodyHash = (req: NotifyRequest): string => {
  const { idempotencyKey: _, ...rest } = req
  return createHash("sha256").update(JSON.stringify(rest)).digest("base64url")
}

/** Random bytes drawn ahead, so an id costs a slice and not a call into OpenSSL each time. */
const POOL_BYTES = 4096
let pool = randomBytes(POOL_BYTES)
let used = 0

/** A random, URL-safe id part of `bytes` random bytes (at most 4 KB). */
export const randomId = (bytes = 12): string => {
  if (used + bytes > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES)
    used = 0
  }
  used += bytes
  return pool.toString("base64url", used - bytes, used)
}

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

/** Builds Delivery from the store, bus, presence, outbox and config. */
export const makeDelivery = Effect.gen(function* () {
  const store = yield* Store
  const bus = yield* Bus
  const presence = yield* Presence
  const config = yield* Config
  const commitTime = (yield* Metrics).histograms.storeCommitSeconds
  /** Runs a store write, counting how long it took to commit. */
  const timed = <A>(write: Effect.Effect<A>): Effect.Effect<A> =>
    Effect.suspend(() => {
      const started = performance.now()
      return Effect.tap(write, () =>
        Effect.sync(() => commitTime.observe((performance.now() - started) / 1000))
      )
    })
  const outbox = yield* Outbox

  /** Whom the call's `email` block asks to mail, when this node can send any. */
  const emailPlanOf = (email: NotifyRequest["email"]): EmailPlan | undefined => {
    if (email === undefined || (email.send !== true && email.force !== true)) return undefined
    if (!outbox.accepts(EMAIL)) return undefined
    return { force: email.force === true, after: email.after ?? 0, bcc: email.bcc === true }
  }

  /** Whom the call's `push` block asks to push to, when this node can push (PROTOCOL.md §14). */
  const pushPlanOf = (push: NotifyRequest["push"]): PushPlan | undefined => {
    if (push === undefined || (push.send !== true && push.force !== true) || !outbox.accepts(PUSH))
      return undefined
    return { force: push.force === true, after: push.after ?? 0 }
  }

  const notify: DeliveryShape["notify"] = async (app, req, headerKey) => {
    const key = req.idempotencyKey ?? headerKey
    const now = new Date()
    const createdAt = now.toISOString()
    // `message` is chat's own type (an away member's notification, PROTOCOL.md §13): always known.
    if (req.type !== undefined && req.type !== "message") {
      const types = await store.findEventTypes(app)
      if (types.length > 0 && !types.some((t) => t.name === req.type)) {
        throw unknownEventType(
          "type",
          types.map((t) => t.name)
        )
      }
    }
    // The part every recipient shares, serialized once for the call and once for the frames.
    const fields: SharedNotification = {
      type: req.type ?? null,
      title: req.title ?? null,
      content: JSON.stringify(req.content),
      url: req.url ?? null,
      icon: req.icon ?? null,
      image: req.image ?? null,
      data: req.data === undefined ? null : JSON.stringify(req.data),
      author: req.author ?? null,
      createdAt
    }
    const shared = encodeShared(fields)
    if (Buffer.byteLength(shared) + 512 > config.limits.notificationBytes) {
      throw new ApiError({
        code: "payload_too_large",
        message: `the notification is larger than ${config.limits.notificationBytes} bytes once serialized`
      })
    }
    const users = req.users === undefined ? undefined : dedupeUsers(req.users)
    if (users !== undefined && users.length > config.limits.usersPerNotify) {
      throw badRequest(`users: at most ${config.limits.usersPerNotify} users per call`, "users")
    }
    const stem = randomId()
    // Who is online anywhere as the call is stored (the answer's `online`, email's "offline").
    const online =
      users === undefined || req.topics !== undefined
        ? await presence.onlineUsers(app)
        : [
            ...(await presence.onlineOf(
              app,
              users.map((u) => u.id)
            ))
          ]
    const started = performance.now()
    const outcome = await store.notify({
      app,
      callId: `call_${stem}`,
      stem,
      fields,
      shared,
      users,
      topics: req.topics,
      exclude: req.exclude,
      online,
      email: req.email === undefined ? null : JSON.stringify(req.email),
      emailPlan: emailPlanOf(req.email),
      push: req.push === undefined ? null : JSON.stringify(req.push),
      pushPlan: pushPlanOf(req.push),
      idempotency:
        key === undefined
          ? undefined
          : {
              key,
              bodyHash: bodyHash(req),
              notBefore: new Date(now.getTime() - config.limits.idempotencyTtlSeconds * 1000).toISOString()
            }
    })
    commitTime.observe((performance.now() - started) / 1000)
    switch (outcome._tag) {
      case "Conflict":
        throw new ApiError({
          code: "conflict",
          message: "this idempotency key was used with a different request body"
        })
      case "Repeated":
        // A key stored before Web Push kept an answer without `pushes`: it queued none.
        return { ...outcome.response, pushes: outcome.response.pushes ?? 0 }
      case "UnknownTopic":
        throw new ApiError({
          code: "not_found",
          message: `topic ${outcome.key} not found`,
          details: { field: "topics" }
        })
      case "Stored":
        if (outcome.entries.length > 0) bus.publish(app, outcome.entries, { stem, shared })
        if (outcome.response.emails > 0 || outcome.response.pushes > 0) outbox.wake()
        return outcome.response
    }
  }

  const mark: DeliveryShape["mark"] = (app, user, kind, target) =>
    Effect.gen(function* () {
      const { ids, entries, queued } = yield* timed(
        store.mark(app, user, kind, target, new Date().toISOString())
      )
      if (entries.length > 0) bus.publish(app, entries)
      if (queued !== undefined && queued > 0) outbox.wake()
      return ids
    })

  return { notify, mark } satisfies DeliveryShape
})

/** The Delivery layer. */
export const layerDelivery = Layer.effect(Delivery, makeDelivery)
