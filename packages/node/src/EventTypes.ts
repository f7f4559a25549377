/**
 * The event types an app declares (`post_like`, …): once any exist, `notify` accepts only
 * those. Reached as `pushBack.eventTypes`, grouped apart because they are a small API of their own.
 */
import { EventType, EventTypeList, PutEventTypeRequest, TypeName } from "@pushback/protocol"
import { type HttpClient, segment } from "./internal/http.js"
import { validate } from "./internal/validate.js"

/** `put`, `list` and `delete` of an app's event types. */
export class EventTypes {
  readonly #http: HttpClient

  /** @internal Use `pushBack.eventTypes`. */
  constructor(http: HttpClient) {
    this.#http = http
  }

  /** Declares or updates the type `name` (`PUT /v1/event-types/{name}`); answers the stored type. */
  async put(name: string, definition: PutEventTypeRequest): Promise<EventType> {
    const typeName = validate(TypeName, name, "name")
    const body = validate(PutEventTypeRequest, definition)
    return this.#http.call({
      method: "PUT",
      path: `/v1/event-types/${segment(typeName)}`,
      body,
      response: EventType,
      repeat: "idempotent"
    })
  }

  /** Every declared type (`GET /v1/event-types`). */
  async list(): Promise<ReadonlyArray<EventType>> {
    const list = await this.#http.call({
      method: "GET",
      path: "/v1/event-types",
      response: EventTypeList,
      repeat: "idempotent"
    })
    return list.types
  }

  /** Removes the type `name` (`DELETE /v1/event-types/{name}`); a type that does not exist is 404. */
  async delete(name: string): Promise<void> {
    const typeName = validate(TypeName, name, "name")
    return this.#http.call({
      method: "DELETE",
      path: `/v1/event-types/${segment(typeName)}`,
      response: undefined,
      repeat: "idempotent",
      goneIsDone: true
    })
  }
}
