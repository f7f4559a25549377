/**
 * Apps, the tenants (PROTOCOL.md §2, §8): create one, list them, delete one with all its data,
 * rotate its secret, and the operator's overview of one. Deleting an app or rotating its secret
 * closes its live sessions on every node (Control). The HTTP API and the CLI both call these.
 */
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { Control } from "../cluster/control/Control.js"
import { randomId } from "../notify/Delivery.js"
import { appTotals } from "../stats/stats.js"
import { Store } from "../storage/Store.js"
import type { AppRecord } from "./TenancyStore.js"

/** A new app secret: the app id, a dot and 43 random base64url characters. */
export const newSecret = (appId: string): string => `${appId}.${randomBytes(32).toString("base64url")}`

/** Creates an app named `name`; answers it with its secret. */
export const createApp = (name: string) =>
  Effect.gen(function* () {
    const id = `app_${randomId(9)}`
    const app: AppRecord = { id, name, secret: newSecret(id), createdAt: new Date().toISOString() }
    yield* (yield* Store).createApp(app)
    return app
  })

/** Every app, without its secret. */
export const listApps = Effect.gen(function* () {
  const apps = yield* (yield* Store).listApps
  return apps.map(({ id, name, createdAt }) => ({ id, name, createdAt }))
})

/** Deletes an app and all its data, closing its sessions everywhere; false when there was none. */
export const deleteApp = (appId: string) =>
  Effect.gen(function* () {
    if (!(yield* (yield* Store).deleteApp(appId))) return false
    yield* (yield* Control).close({ kind: "app", app: appId, reason: "app deleted" })
    return true
  })

/**
 * Gives an app a new secret, closing its sessions everywhere (their tokens were signed with the
 * old one); answers the secret, undefined when there is no such app.
 */
export const rotateSecret = (appId: string) =>
  Effect.gen(function* () {
    const secret = newSecret(appId)
    if (!(yield* (yield* Store).setSecret(appId, secret))) return undefined
    yield* (yield* Control).close({ kind: "app", app: appId, reason: "app secret rotated" })
    return secret
  })

/** The operator's overview of an app: its counts, cluster-wide, and its event types. */
export const appOverview = (app: AppRecord) =>
  Effect.gen(function* () {
    const counts = yield* appTotals(app.id)
    const eventTypes = yield* (yield* Store).listEventTypes(app.id)
    return { id: app.id, name: app.name, createdAt: app.createdAt, counts, eventTypes }
  })
