/**
 * Push subscriptions (PROTOCOL.md §14), the use cases behind the routes: a browser subscribes
 * with the endpoint and keys its push service gave it (checked against the endpoint rules,
 * endpoint.ts; its user registered when new), lists and removes its own; the backend lists a
 * user's; the service worker marks a notification read with the message's `markToken`.
 */
import { ECDH, randomBytes } from "node:crypto"
import type { PushSubscriptionRequest } from "@pushback/protocol"
import { Effect } from "effect"
import { Config } from "../config/Config.js"
import { badRequest, notFound, unauthorized } from "../http/ApiError.js"
import { Delivery } from "../notify/Delivery.js"
import { Store } from "../storage/Store.js"
import { endpointProblem } from "./endpoint.js"
import { markTokenValid, peekMarkToken } from "./markToken.js"
import { PushStore, type SubscriptionRecord } from "./PushStore.js"

/** Most subscriptions one user keeps; a new one beyond it replaces their oldest. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10

/**
 * Whether `p256dh` (base64url, 65 bytes by the schema) is an uncompressed point on P-256. A key
 * of the right length that is not one would pass the schema and then fail every encryption, so
 * its pushes would be retried for a day instead of the subscription being refused now.
 */
export const isP256Point = (p256dh: string): boolean => {
  const key = Buffer.from(p256dh, "base64url")
  if (key.length !== 65 || key[0] !== 4) return false
  try {
    ECDH.convertKey(key, "prime256v1")
    return true
  } catch {
    return false
  }
}

/** A subscription as the API lists it. */
const shown = (s: SubscriptionRecord) => ({
  id: s.id,
  endpoint: s.endpoint,
  expirationTime: s.expirationTime,
  userAgent: s.userAgent,
  createdAt: s.createdAt
})

/** Stores a browser's subscription for `user`; answers its id (the same endpoint keeps its id). */
export const subscribe = (app: string, user: string, body: PushSubscriptionRequest) =>
  Effect.gen(function* () {
    const config = yield* Config
    const problem = endpointProblem(body.endpoint, config.push)
    if (problem !== undefined) return yield* Effect.fail(badRequest(problem, "endpoint"))
    if (!isP256Point(body.keys.p256dh))
      return yield* Effect.fail(
        badRequest(
          "keys.p256dh: must be a point on P-256 (the browser's key, as toJSON() gives it)",
          "keys.p256dh"
        )
      )
    const now = new Date().toISOString()
    yield* (yield* Store).upsertUsers(app, [{ id: user }], now)
    const id = yield* (yield* PushStore).subscribe(
      app,
      user,
      `psub_${randomBytes(12).toString("base64url")}`,
      {
        endpoint: body.endpoint,
        p256dh: body.keys.p256dh.replace(/=+$/, ""),
        auth: body.keys.auth.replace(/=+$/, ""),
        expirationTime: body.expirationTime ?? null,
        userAgent: body.userAgent ?? null
      },
      now,
      MAX_SUBSCRIPTIONS_PER_USER
    )
    return { id }
  })

/** A user's subscriptions, oldest first. */
export const listSubscriptions = (app: string, user: string) =>
  Effect.map(
    Effect.flatMap(PushStore, (store) => store.list(app, user)),
    (subs) => ({
      subscriptions: subs.map(shown)
    })
  )

/** A registered user's subscriptions (the backend's and the operator's view); 404 when no such user. */
export const userSubscriptions = (app: string, user: string) =>
  Effect.gen(function* () {
    if ((yield* (yield* Store).getUser(app, user)) === undefined)
      return yield* Effect.fail(notFound("user not found"))
    return yield* listSubscriptions(app, user)
  })

/** Removes one of the user's subscriptions; 404 when they have none with that id. */
export const unsubscribe = (app: string, user: string, id: string) =>
  Effect.gen(function* () {
    if (!(yield* (yield* PushStore).unsubscribe(app, user, id)))
      return yield* Effect.fail(notFound("push subscription not found"))
  })

/** Marks the notification a `markToken` names read (its stream entry reaches the user's sessions). */
export const markReadByToken = (token: string) =>
  Effect.gen(function* () {
    const peeked = peekMarkToken(token)
    const app = peeked === undefined ? undefined : yield* (yield* Store).getApp(peeked.app)
    if (peeked === undefined || app === undefined || !markTokenValid(app.secret, peeked))
      return yield* Effect.fail(unauthorized("markToken: invalid (or its app's secret was rotated)"))
    const content = yield* (yield* PushStore).content(app.id, peeked.notification)
    if (content === undefined) return yield* Effect.fail(notFound("notification not found"))
    yield* (yield* Delivery).mark(app.id, content.user, "read", { ids: [peeked.notification] })
  })
