/**
 * An app's users (PROTOCOL.md §3.2): register them (upserts, from a backend and from the
 * seeds' register calls), list them with whether each is online on any node, read one with
 * their live sessions, delete one with all their data (their sessions closed everywhere).
 */
import { DefaultLimits, RegisterUsersRequest } from "@pushback/protocol"
import { Effect, Schema } from "effect"
import { lift } from "../http/plain.js"
import { Control } from "../cluster/control/Control.js"
import { Presence } from "../cluster/presence/Presence.js"
import { decodeBody, found, PageQuery } from "../http/Route.js"
import { Store } from "../storage/Store.js"
import type { UserRecord } from "./TenancyStore.js"

/** The query of a page of users: `limit`, `offset` and (the operator's list only) `search`. */
export const UsersQuery = Schema.Struct({
  ...PageQuery.fields,
  search: Schema.optional(Schema.String.pipe(Schema.maxLength(DefaultLimits.maxUserIdLength)))
})

/** Users as the API shows them, with whether each is online on any node. */
const showUsers = (app: string, users: ReadonlyArray<UserRecord>) =>
  Effect.gen(function* () {
    const presence = yield* Presence
    const online = yield* lift(() =>
      presence.onlineOf(
        app,
        users.map((u) => u.id)
      )
    )
    return users.map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name,
      createdAt: u.createdAt,
      online: online.has(u.id)
    }))
  })

/** Registers (upserts) the users of a `POST /v1/users` body, not yet validated; answers `{registered}`. */
export const registerUsers = (app: { readonly id: string }, body: unknown) =>
  Effect.gen(function* () {
    const request = yield* decodeBody(RegisterUsersRequest, body)
    const users = new Map(request.users.map((u) => (typeof u === "string" ? [u, { id: u }] : [u.id, u])))
    const registered = yield* (yield* Store).upsertUsers(
      app.id,
      [...users.values()],
      new Date().toISOString()
    )
    return { registered }
  })

/** A page of the app's users with their online state; `search` narrows it (the operator's list). */
export const listUsers = (app: string, page: typeof UsersQuery.Type) =>
  Effect.gen(function* () {
    const { count, users } = yield* (yield* Store).listUsers(
      app,
      page.limit ?? DefaultLimits.pageLimit,
      page.offset ?? 0,
      page.search
    )
    return { count, results: yield* showUsers(app, users) }
  })

/** One user with their online state and live sessions on every node; 404 when unknown. */
export const userDetail = (app: string, userId: string) =>
  Effect.gen(function* () {
    const user = yield* found(yield* (yield* Store).getUser(app, userId), "user")
    const sessions = yield* (yield* Presence).sessionsOf(app, user.id)
    const [shown] = yield* showUsers(app, [user])
    return { ...shown, sessions }
  })

/** Deletes a user and all their data, closing their sessions everywhere; false when unknown. */
export const deleteUser = (app: string, userId: string) =>
  Effect.gen(function* () {
    if (!(yield* (yield* Store).deleteUser(app, userId))) return false
    yield* (yield* Control).close({ kind: "user", app, user: userId, reason: "user deleted" })
    return true
  })
