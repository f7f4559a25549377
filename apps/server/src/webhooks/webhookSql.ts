/**
 * The webhooks' storage (WebhookStore.ts) over any `@effect/sql` client, one implementation for
 * SQLite and PostgreSQL: the SQL is portable (text times, integer flags, the subscribed names
 * between commas so the fan-out is a LIKE). An event's rows are written by one INSERT … SELECT
 * over the app's subscribed endpoints, inside the transaction given (its cause's when the cause
 * is a write of this module, one of its own otherwise).
 */
import { SqlClient, type Statement } from "@effect/sql"
import { Effect, Schedule } from "effect"
import {
  type AttemptRecord,
  type EarlierJob,
  type EndpointRecord,
  WEBHOOK,
  type WebhookEventRow,
  type WebhookSendsShape,
  type WebhookStoreShape
} from "./WebhookStore.js"

/** Whether a failed statement was refused because another connection of SQLite holds the write lock. */
const isBusy = (e: unknown): boolean =>
  /SQLITE_BUSY/.test(String((e as { cause?: { code?: unknown } } | undefined)?.cause?.code ?? ""))

/** The subscribed names as stored: `,a,b,`. */
export const eventsText = (events: ReadonlyArray<string>): string => `,${events.join(",")},`

/** Whether a subscription (as stored) wants events of `type`. */
const wants = (text: string, type: string): boolean => text === ",*," || text.includes(`,${type},`)

const eventsOf = (text: string): Array<string> => text.split(",").filter((e) => e !== "")

/** A nullable column as a string. */
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

const endpointOf = (r: Record<string, unknown>): EndpointRecord => ({
  app: String(r["app"]),
  id: String(r["id"]),
  url: String(r["url"]),
  events: eventsOf(String(r["events"])),
  description: str(r["description"]),
  batch: Number(r["batch"]) === 1,
  enabled: Number(r["enabled"]) === 1,
  secret: String(r["secret"]),
  previousSecret: str(r["previous_secret"]),
  previousUntil: str(r["previous_until"]),
  createdAt: String(r["created_at"]),
  failingSince: str(r["failing_since"]),
  disabledReason: str(r["disabled_reason"]),
  lastStatus: num(r["last_status"]),
  lastAt: str(r["last_at"])
})

const attemptOf = (r: Record<string, unknown>): AttemptRecord => ({
  app: String(r["app"]),
  endpointId: String(r["endpoint_id"]),
  jobId: String(r["job_id"]),
  eventId: String(r["event_id"]),
  type: String(r["type"]),
  at: String(r["at"]),
  status: num(r["status"]),
  ms: Number(r["ms"]),
  error: str(r["error"]),
  next: str(r["next"])
})

/**
 * The webhook storage on the SqlClient in context; the sender's own writes (attempts, batches)
 * are `sends`, the Store backend's `WebhookSends` (the SQLite writer thread, or PostgreSQL's pool).
 */
export const makeWebhookSql = (sends: WebhookSendsShape) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // On SQLite a transaction that reads, then writes, is refused at once (SQLITE_BUSY, no busy
    // wait) when the writer thread committed in between: it is run again, a few times at most.
    const tx = <A>(effect: Effect.Effect<A, unknown>): Effect.Effect<A> =>
      sql
        .withTransaction(effect)
        .pipe(
          Effect.retry({ while: isBusy, times: 50, schedule: Schedule.spaced("10 millis") }),
          Effect.orDie
        )
    const read = <A>(effect: Effect.Effect<A, unknown>): Effect.Effect<A> => Effect.orDie(effect)

    const get = (app: string, id: string) =>
      read(
        sql`SELECT * FROM webhook_endpoints WHERE app = ${app} AND id = ${id}`.pipe(
          Effect.map(([r]) => (r === undefined ? undefined : endpointOf(r)))
        )
      )

    /** Writes one event's rows for the endpoints `which` selects (an SQL condition on `e`). */
    const fanOut = (app: string, event: WebhookEventRow, which: Statement.Fragment) =>
      sql`INSERT INTO outbox (id, kind, app, call_id, notification_id, user_id, payload, created_at, due_at,
        attempts, state)
      SELECT ${`${event.id}.`} || e.id, ${WEBHOOK}, e.app, ${event.call}, ${event.notification}, ${event.user},
        ${event.body}, ${event.at}, ${event.at}, 0, 'queued'
      FROM webhook_endpoints e WHERE e.app = ${app} AND ${which} RETURNING id`

    /** Every event's rows, one fan-out statement each, in the caller's transaction. */
    const publishAll = (app: string, events: ReadonlyArray<WebhookEventRow>) =>
      Effect.gen(function* () {
        let n = 0
        for (const event of events) {
          const rows = yield* fanOut(
            app,
            event,
            sql`e.enabled = 1 AND (e.events = ',*,' OR e.events LIKE ${`%,${event.type},%`})`
          )
          n += rows.length
        }
        return n
      })

    const store: WebhookStoreShape = {
      ...sends,
      create: (e, max) =>
        tx(
          Effect.gen(function* () {
            const [count] = yield* sql`SELECT COUNT(*) AS n FROM webhook_endpoints WHERE app = ${e.app}`
            if (Number(count?.["n"] ?? 0) >= max) return false
            yield* sql`INSERT INTO webhook_endpoints (app, id, url, events, description, batch, enabled, secret,
              created_at, updated_at)
            VALUES (${e.app}, ${e.id}, ${e.url}, ${eventsText(e.events)}, ${e.description}, ${e.batch ? 1 : 0},
              ${e.enabled ? 1 : 0}, ${e.secret}, ${e.createdAt}, ${e.createdAt})`
            return true
          })
        ),
      list: (app) =>
        read(
          sql`SELECT * FROM webhook_endpoints WHERE app = ${app} ORDER BY created_at, id`.pipe(
            Effect.map((rows) => rows.map(endpointOf))
          )
        ),
      get,
      update: (app, id, patch, now) =>
        tx(
          Effect.gen(function* () {
            const sets = [sql`updated_at = ${now}`]
            if (patch.url !== undefined) sets.push(sql`url = ${patch.url}`)
            if (patch.events !== undefined) sets.push(sql`events = ${eventsText(patch.events)}`)
            if (patch.description !== undefined) sets.push(sql`description = ${patch.description}`)
            if (patch.enabled === false) sets.push(sql`enabled = 0`)
            // Enabled again by the operator: a fresh start, its failures forgotten.
            if (patch.enabled === true)
              sets.push(sql`enabled = 1`, sql`failing_since = NULL`, sql`disabled_reason = NULL`)
            const rows = yield* sql`UPDATE webhook_endpoints SET ${sql.csv(sets)}
            WHERE app = ${app} AND id = ${id} RETURNING *`
            return rows[0] === undefined ? undefined : endpointOf(rows[0])
          })
        ),
      remove: (app, id) =>
        tx(
          Effect.gen(function* () {
            yield* sql`DELETE FROM outbox WHERE kind = ${WEBHOOK} AND app = ${app} AND state = 'queued'
            AND id LIKE ${`%.${id}`}`
            yield* sql`DELETE FROM webhook_attempts WHERE app = ${app} AND endpoint_id = ${id}`
            const rows =
              yield* sql`DELETE FROM webhook_endpoints WHERE app = ${app} AND id = ${id} RETURNING id`
            return rows.length > 0
          })
        ),
      rotate: (app, id, secret, previousUntil, now) =>
        tx(
          sql`UPDATE webhook_endpoints SET previous_secret = secret, previous_until = ${previousUntil},
            secret = ${secret}, updated_at = ${now}
          WHERE app = ${app} AND id = ${id} RETURNING id`.pipe(Effect.map((rows) => rows.length > 0))
        ),
      // A read first: no write (and no lock) when no endpoint of the app wants any of them.
      publish: (app, events) =>
        events.length === 0
          ? Effect.succeed(0)
          : Effect.flatMap(
              read(sql`SELECT events FROM webhook_endpoints WHERE app = ${app} AND enabled = 1`),
              (rows) =>
                rows.some((r) => events.some((e) => wants(String(r["events"]), e.type)))
                  ? tx(publishAll(app, events))
                  : Effect.succeed(0)
            ),
      publishTo: (app, endpointId, event) => tx(Effect.asVoid(fanOut(app, event, sql`e.id = ${endpointId}`))),
      attempts: (app, id, limit, offset) =>
        read(
          sql`SELECT * FROM webhook_attempts WHERE app = ${app} AND endpoint_id = ${id}
          ORDER BY at DESC, job_id DESC LIMIT ${limit} OFFSET ${offset}`.pipe(
            Effect.map((rows) => rows.map(attemptOf))
          )
        ),
      tries: (jobId) =>
        read(
          sql`SELECT COUNT(*) AS n FROM webhook_attempts WHERE job_id = ${jobId}`.pipe(
            Effect.map(([r]) => Number(r?.["n"] ?? 0))
          )
        ),
      earlier: (app, endpointId, user, jobId) =>
        read(
          sql`SELECT id, due_at, lease_until FROM outbox WHERE kind = ${WEBHOOK} AND user_id = ${user}
            AND state = 'queued' AND app = ${app} AND id LIKE ${`%.${endpointId}`} AND id < ${jobId}
          ORDER BY id LIMIT 1`.pipe(
            Effect.map(([r]) =>
              r === undefined
                ? undefined
                : {
                    id: String(r["id"]),
                    dueAt: String(r["due_at"]),
                    held: r["lease_until"] !== null && String(r["lease_until"]) > new Date().toISOString()
                  }
            )
          )
        ),
      queuedOf: (app, endpointId, users, until, max) =>
        read(
          sql`SELECT id, user_id, due_at, lease_until FROM outbox WHERE kind = ${WEBHOOK} AND state = 'queued'
            AND app = ${app} AND id LIKE ${`%.${endpointId}`} AND ${sql.in("user_id", users)} AND id <= ${until}
            ORDER BY id LIMIT ${max + 1}`.pipe(
            Effect.map((rows) => {
              if (rows.length > max) return undefined
              const now = new Date().toISOString()
              const byUser = new Map<string, Array<EarlierJob>>()
              for (const r of rows) {
                const user = String(r["user_id"])
                const job = {
                  id: String(r["id"]),
                  dueAt: String(r["due_at"]),
                  held: r["lease_until"] !== null && String(r["lease_until"]) > now
                }
                const list = byUser.get(user)
                if (list === undefined) byUser.set(user, [job])
                else list.push(job)
              }
              return byUser
            })
          )
        ),
      // Never "not held" for a lease that merely ran out: the worker could then cancel a job nobody sent.
      stillHeld: (jobId) =>
        read(
          sql`SELECT 1 FROM outbox WHERE id = ${jobId} AND state = 'queued' AND lease_owner IS NOT NULL
          AND lease_owner NOT LIKE 'batch:%'`.pipe(Effect.map((rows) => rows.length > 0))
        )
    }
    return store
  })
