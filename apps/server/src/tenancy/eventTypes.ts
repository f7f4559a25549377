/**
 * An app's event types (PROTOCOL.md §3.2): declared by its backend with a title and a
 * description, listed, deleted. Once an app declares any, notify and preferences accept only
 * declared types.
 */
import { PutEventTypeRequest, TypeName } from "@pushback/protocol"
import { Effect, Schema } from "effect"
import { badRequest } from "../http/ApiError.js"
import { decodeBody } from "../http/Route.js"
import { Store } from "../storage/Store.js"
import type { EventTypeRecord } from "./TenancyStore.js"

/** Declares (or redefines) the type `name` from a request body not yet validated; answers it. */
export const defineEventType = (app: string, name: string, body: unknown) =>
  Effect.gen(function* () {
    if (!Schema.is(TypeName)(name))
      return yield* badRequest("name: must be 1-64 letters, digits or _ . : -", "name")
    const request = yield* decodeBody(PutEventTypeRequest, body)
    const type: EventTypeRecord = { name, title: request.title, description: request.description ?? null }
    yield* (yield* Store).putEventType(app, type)
    return type
  })

/** The app's declared event types. */
export const listEventTypes = (app: string) => Effect.flatMap(Store, (store) => store.listEventTypes(app))

/** Deletes the type `name`; false when the app has no such type. */
export const deleteEventType = (app: string, name: string) =>
  Effect.flatMap(Store, (store) => store.deleteEventType(app, name))
