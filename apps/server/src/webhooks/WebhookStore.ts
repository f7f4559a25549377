/**
 * The storage port of webhooks (PROTOCOL.md §15): an app's endpoints, the events to send (outbox
 * rows of kind `webhook`, one per event and subscribed endpoint, written with their cause), and
 * the attempts log. A tag of its own, provided by each backend's layer beside the Store (as the
 * OutboxStore is), so the routes and the sender name exactly this port. One portable
 * implementation over `@effect/sql` serves both backends (webhookSql.ts).
 */
import { Context, type Effect } from "effect"

/** The outbox kind of webhook events. */
export const WEBHOOK = "webhook"

/** An endpoint as stored. */
export interface EndpointRecord {
  readonly app: string
  readonly id: string
  readonly url: string
  /** Subscribed event names, or `["*"]`. */
  readonly events: ReadonlyArray<string>
  readonly description: string | null
  readonly batch: boolean
  readonly enabled: boolean
  readonly secret: string
  /** The secret before the last rotation, still signing until `previousUntil`. */
  readonly previousSecret: string | null
  readonly previousUntil: string | null
  readonly createdAt: string
  readonly failingSince: string | null
  readonly disabledReason: string | null
  readonly lastStatus: number | null
  readonly lastAt: string | null
}

/** What a PATCH may change; enabling clears the failure state. */
export interface EndpointPatch {
  readonly url?: string | undefined
  readonly events?: ReadonlyArray<string> | undefined
  readonly enabled?: boolean | undefined
  readonly description?: string | undefined
}

/** One event to send to every enabled endpoint of its app that subscribes to its type. */
export interface WebhookEventRow {
  /** The `webhook-id`: `evt_…`, time-ordered. */
  readonly id: string
  readonly type: string
  /** What caused it (each null when not one): its user orders it among that user's events. */
  readonly user: string | null
  readonly notification: string | null
  readonly call: string | null
  /** The body as sent: `{"type","timestamp","data"}` JSON text. */
  readonly body: string
  readonly at: string
}

/** One HTTP attempt, as logged. */
export interface AttemptRecord {
  readonly app: string
  readonly endpointId: string
  /** The outbox row (one event to one endpoint). */
  readonly jobId: string
  readonly eventId: string
  readonly type: string
  readonly at: string
  readonly status: number | null
  readonly ms: number
  readonly error: string | null
  readonly next: string | null
}

/** What an attempt does to its endpoint, recorded with it. */
export interface AttemptEffect {
  readonly success: boolean
  /** Disable the endpoint at once with this reason (a 410). */
  readonly disable?: string | undefined
  /** Disable it when it has failed since this time or earlier (5 days of failures). */
  readonly failingBefore: string
}

/** The earliest job of a user still queued for an endpoint before a given one. */
export interface EarlierJob {
  readonly id: string
  readonly dueAt: string
  /** A node holds it (it is being sent now). */
  readonly held: boolean
}

/** A queued event taken into a batch. */
export interface BatchMember {
  readonly id: string
  readonly userId: string | null
  readonly payload: string
}

/** The webhooks' storage. */
export interface WebhookStoreShape {
  /** Stores a new endpoint; false when the app already has `max` endpoints. */
  readonly create: (record: EndpointRecord, max: number) => Effect.Effect<boolean>
  readonly list: (app: string) => Effect.Effect<ReadonlyArray<EndpointRecord>>
  readonly get: (app: string, id: string) => Effect.Effect<EndpointRecord | undefined>
  readonly update: (
    app: string,
    id: string,
    patch: EndpointPatch,
    now: string
  ) => Effect.Effect<EndpointRecord | undefined>
  /** Deletes an endpoint, its queued events and its attempts. */
  readonly remove: (app: string, id: string) => Effect.Effect<boolean>
  /** A new secret; the current one keeps signing until `previousUntil`. */
  readonly rotate: (
    app: string,
    id: string,
    secret: string,
    previousUntil: string,
    now: string
  ) => Effect.Effect<boolean>
  /** Queues events for every enabled subscribed endpoint of `app`, in one transaction; answers the rows written. */
  readonly publish: (app: string, events: ReadonlyArray<WebhookEventRow>) => Effect.Effect<number>
  /** Queues one event for one endpoint (`webhook.test`), whatever it subscribes to. */
  readonly publishTo: (app: string, endpointId: string, event: WebhookEventRow) => Effect.Effect<void>
  /** An endpoint's attempts, newest first. */
  readonly attempts: (
    app: string,
    id: string,
    limit: number,
    offset: number
  ) => Effect.Effect<ReadonlyArray<AttemptRecord>>
  /** Attempts made so far for one outbox row. */
  readonly tries: (jobId: string) => Effect.Effect<number>
  /** The earliest job of `user` queued for `endpointId` before `jobId`, if any (per-user order). */
  readonly earlier: (
    app: string,
    endpointId: string,
    user: string,
    jobId: string
  ) => Effect.Effect<EarlierJob | undefined>
  /**
   * Every job still queued for `endpointId` of each of `users`, up to `until` (an id), in id
   * order (per-user order, for a whole claim at once); undefined when there are more than `max`.
   */
  readonly queuedOf: (
    app: string,
    endpointId: string,
    users: ReadonlyArray<string>,
    until: string,
    max: number
  ) => Effect.Effect<ReadonlyMap<string, ReadonlyArray<EarlierJob>> | undefined>
  /**
   * Takes up to `max` more queued, due, unheld events of an endpoint into the batch `leader`
   * leads (held under its name until `until`), in id order, never one of a user whose earlier
   * event it cannot take (per-user order).
   */
  readonly takeBatch: (
    app: string,
    endpointId: string,
    leader: string,
    now: string,
    until: string,
    max: number
  ) => Effect.Effect<ReadonlyArray<BatchMember>>
  /** Whether a claimed job is still held by a worker (not taken into a batch meanwhile). */
  readonly stillHeld: (jobId: string) => Effect.Effect<boolean>
  /** Ends a batch: its members are sent (`at`), or let go to be taken again. */
  readonly settleBatch: (leader: string, at: string | undefined) => Effect.Effect<void>
  /** Logs an attempt and updates its endpoint (last status, failing since, disabled); answers whether it was disabled now. */
  readonly record: (attempt: AttemptRecord, effect: AttemptEffect) => Effect.Effect<boolean>
}

/** The WebhookStore service tag: provided by each Store backend's layer, beside the Store. */
export class WebhookStore extends Context.Tag("@pushback/server/WebhookStore")<
  WebhookStore,
  WebhookStoreShape
>() {}

/** The sender's writes (an attempt's log line, batches): what each store backend runs them on. */
export type WebhookSendsShape = Pick<WebhookStoreShape, "takeBatch" | "settleBatch" | "record">

/**
 * The WebhookSends service tag, provided by each Store backend's layer: on SQLite the writer
 * thread's operations (a write on a connection of the main thread would wait there, event loop
 * and all, for the writer's lock during its commits); on PostgreSQL the store's pool.
 */
export class WebhookSends extends Context.Tag("@pushback/server/WebhookSends")<
  WebhookSends,
  WebhookSendsShape
>() {}

/** The outbox id of `eventId` sent to `endpointId` (per-user order compares these). */
export const webhookJobId = (eventId: string, endpointId: string): string => `${eventId}.${endpointId}`

/** The event and the endpoint of a webhook outbox row's id. */
export const partsOfJobId = (jobId: string): { eventId: string; endpointId: string } => {
  const dot = jobId.indexOf(".")
  return { eventId: jobId.slice(0, dot), endpointId: jobId.slice(dot + 1) }
}
