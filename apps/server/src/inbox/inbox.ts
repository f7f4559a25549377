/**
 * A user's inbox (PROTOCOL.md §3.3): read one notification, mark some or all of them seen,
 * read or deleted, and the counts. Marks go through Delivery, so every other session of the
 * user sees them as stream entries. The v1 API and the Django REST Notifications seed's API
 * (compat/drn.ts) call these; lists are lists.ts.
 */
import { Effect } from "effect"
import { found } from "../http/Route.js"
import { Delivery } from "../notify/Delivery.js"
import { Store } from "../storage/Store.js"
import type { MarkKind, MarkTarget } from "./records.js"

/** One of the user's notifications; 404 when they have none with this id. */
export const getNotification = (app: string, user: string, id: string) =>
  Effect.flatMap(Store, (store) => store.getNotification(app, user, id)).pipe(
    Effect.flatMap((n) => found(n, "notification"))
  )

/** Marks one notification seen or read and answers it as it is now; 404 when unknown. */
export const markNotification = (app: string, user: string, id: string, kind: "seen" | "read") =>
  Effect.gen(function* () {
    yield* getNotification(app, user, id)
    yield* (yield* Delivery).mark(app, user, kind, { ids: [id] })
    return yield* getNotification(app, user, id)
  })

/** Marks the target notifications; answers how many changed. */
export const markNotifications = (app: string, user: string, kind: MarkKind, target: MarkTarget) =>
  Effect.map(
    Effect.flatMap(Delivery, (delivery) => delivery.mark(app, user, kind, target)),
    (changed) => changed.length
  )

/** Deletes one notification; 404 when there was none to delete. */
export const deleteNotification = (app: string, user: string, id: string) =>
  Effect.gen(function* () {
    const changed = yield* (yield* Delivery).mark(app, user, "deleted", { ids: [id] })
    yield* found(changed[0], "notification")
  })

/** The user's counts, with the stream position (`cursor`) they reflect. */
export const inboxCounts = (app: string, user: string) =>
  Effect.flatMap(Store, (store) => store.counts(app, user))
