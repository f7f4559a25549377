/**
 * A user's preferences (PROTOCOL.md §3.3): per event type, whether it reaches the inbox,
 * email and Web Push (§14). Every declared type is on until the user turns it off; the Django REST
 * Notifications seed's type filter (compat/drn.ts) is a view of the same preferences.
 */
import type { Preferences } from "@pushback/protocol"
import { Effect } from "effect"
import { notFound, unknownEventType } from "../http/ApiError.js"
import { Store } from "../storage/Store.js"
import { TopicStore } from "../topics/TopicStore.js"

/**
 * A user's preferences: every declared type (on by default) and every stored choice, and each
 * topic they follow with whether it reaches their inbox (PROTOCOL.md §11).
 */
export const readPreferences = (app: string, user: string) =>
  Effect.gen(function* () {
    const store = yield* Store
    const types: Record<string, { inApp: boolean; email: boolean; push: boolean }> = {}
    for (const t of yield* store.listEventTypes(app)) types[t.name] = { inApp: true, email: true, push: true }
    for (const p of yield* store.getPreferences(app, user))
      types[p.type] = { inApp: p.inApp, email: p.email, push: p.push }
    const topics: Record<string, { inApp: boolean }> = {}
    for (const t of yield* (yield* TopicStore).userTopics(app, user)) topics[t.key] = { inApp: !t.muted }
    return { types, topics } satisfies Preferences
  })

/**
 * Changes some of a user's type preferences (the rest kept) and answers them all; a type the
 * app has not declared (when it declares any) is 400 and changes nothing.
 */
export const updatePreferences = (
  app: string,
  user: string,
  types: Readonly<
    Record<
      string,
      {
        readonly inApp?: boolean | undefined
        readonly email?: boolean | undefined
        readonly push?: boolean | undefined
      }
    >
  >,
  topics: Readonly<Record<string, { readonly inApp: boolean }>> = {}
) =>
  Effect.gen(function* () {
    const store = yield* Store
    const topicStore = yield* TopicStore
    for (const key of Object.keys(topics)) {
      if ((yield* topicStore.get(app, key)) === undefined) return yield* notFound(`topic ${key} not found`)
    }
    const declared = yield* store.listEventTypes(app)
    const current = yield* readPreferences(app, user)
    const changes = []
    for (const [type, change] of Object.entries(types)) {
      // `message` is chat's own type (PROTOCOL.md §13): a user may turn it off in any app.
      if (type !== "message" && declared.length > 0 && !declared.some((t) => t.name === type)) {
        return yield* unknownEventType(
          `types.${type}`,
          declared.map((t) => t.name)
        )
      }
      const was = current.types[type] ?? { inApp: true, email: true, push: true }
      changes.push({
        type,
        inApp: change.inApp ?? was.inApp,
        email: change.email ?? was.email,
        push: change.push ?? was.push
      })
    }
    yield* store.putPreferences(app, user, changes)
    const mutes = Object.entries(topics).map(([key, t]) => [key, !t.inApp] as const)
    if (mutes.length > 0) yield* topicStore.setMutes(app, user, mutes)
    return yield* readPreferences(app, user)
  })
