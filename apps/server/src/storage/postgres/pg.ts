/**
 * The PostgreSQL backend, for several nodes on one database (PROTOCOL.md §6): a connection
 * pool (`@effect/sql-pg` on node-postgres), migrated on start by the one migration history
 * (the migrator locks its table, so nodes starting together migrate once; the table itself is
 * made first under an advisory lock, see `migrate`). Reads are the
 * portable ones of sqlReads.ts; writes are whole operations, each one transaction, several
 * at once from the pool (pgNotify.ts, pgWrites.ts), except notify calls to named users, which
 * share one statement with the calls that arrive meanwhile (pgGroupCommit.ts, pgNotifyBatch.ts).
 * Apps and their event types are read through a one-second cache that a change empties at
 * once on every node by NOTIFY (pgAppCache.ts); the apps missed in one turn of the event loop
 * share one round trip (perTurn.ts).
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Context, Duration, Effect, Layer, Redacted, Stream } from "effect"
import type { AppRecord, EventTypeRecord } from "../../tenancy/TenancyStore.js"
import { Store, type StoreShape } from "../Store.js"
import { makeEmailStore } from "../../email/emailReads.js"
import { runMigrations } from "../migrations/migrations.js"
import { pgQueueEmails } from "../../email/pgEmails.js"
import { makeOutboxReads } from "../../outbox/outboxReads.js"
import { OutboxStore, type OutboxStoreShape } from "../../outbox/OutboxStore.js"
import { makePgOutbox } from "../../outbox/pgOutbox.js"
import { makePgPushWrites } from "../../push/pgPush.js"
import { pgQueuePushes } from "../../push/pushQueue.js"
import { makePushReads } from "../../push/pushReads.js"
import { PushStore, type PushStoreShape } from "../../push/PushStore.js"
import { APPS_CHANNEL, makeAppCache } from "./pgAppCache.js"
import { makePgGroupCommit } from "./pgGroupCommit.js"
import { makePgNotify } from "./pgNotify.js"
import { batchable, makePgNotifyBatch } from "./pgNotifyBatch.js"
import { withoutNulKeys } from "./pgNul.js"
import { makePgWrites } from "./pgWrites.js"
import { makeSqlReads } from "../sqlReads.js"
import { makePgTopicWrites } from "../../topics/pgTopics.js"
import { makeTopicReads } from "../../topics/topicReads.js"
import { TopicStore, type TopicStoreShape } from "../../topics/TopicStore.js"
import { makeConversationReads } from "../../conversations/conversationReads.js"
import { ConversationStore } from "../../conversations/ConversationStore.js"
import { makePgConversationWrites } from "../../conversations/pgConversations.js"
import { makeWebhookSendSql } from "../../webhooks/webhookSendSql.js"
import { WebhookSends } from "../../webhooks/WebhookStore.js"
import { perTurnLoader } from "../../batching/perTurn.js"
import { mapPlain, runPlain } from "../../http/plain.js"

/** Connections per node: enough for concurrent calls, few enough for many nodes on one server. */
const POOL_SIZE = 10

/** Any fixed number: the advisory lock that serializes making the migrations table. */
const MIGRATIONS_TABLE_LOCK = 0x70757368

/**
 * The Migrator creates its table when a `regclass` lookup fails, outside any lock, so nodes
 * starting together on a new database could both create it and the loser exit at start. The
 * table (the Migrator's own columns) is made here first, one node at a time; the Migrator then
 * finds it and serializes the steps with its table lock.
 */
const migrate = (sql: SqlClient.SqlClient) =>
  sql
    .withTransaction(
      Effect.zipRight(
        sql`SELECT pg_advisory_xact_lock(${MIGRATIONS_TABLE_LOCK})`,
        sql`CREATE TABLE IF NOT EXISTS pushback_migrations (
          migration_id integer primary key,
          created_at timestamp with time zone not null default now(),
          name text not null
        )`
      )
    )
    .pipe(Effect.zipRight(runMigrations), Effect.orDie)

/** The store; `keep` (a node) keeps apps and their types a second, a one-shot command reads through. */
const makePgStore = (keep: boolean) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* migrate(sql)
    const reads = yield* makeSqlReads
    const [setting] = yield* sql`SELECT current_setting('synchronous_commit') AS value`.pipe(Effect.orDie)
    let commits = 0
    /** A write that committed (counted for `durability`); its errors are defects. */
    const committed = <A>(effect: Effect.Effect<A, unknown>): Effect.Effect<A> =>
      effect.pipe(
        Effect.tap(() => {
          commits++
        }),
        Effect.orDie
      )
    const transaction = <A>(effect: Effect.Effect<A, unknown>): Effect.Effect<A> =>
      committed(sql.withTransaction(effect))
    const one = makePgNotify(sql, transaction, pgQueueEmails(sql), pgQueuePushes(sql))
    const { notifyBatch } = makePgNotifyBatch(sql)
    /** A batch is one statement, its own transaction; a claim of keys needs one around both. */
    const grouped = makePgGroupCommit(
      (jobs) =>
        jobs.some((j) => j.idempotency !== undefined)
          ? transaction(notifyBatch(jobs))
          : committed(notifyBatch(jobs)),
      one.notify
    )
    const mark = one.mark
    /** Calls to named users with nothing for the outbox share a transaction; others have their own. */
    const notify: StoreShape["notify"] = (job) =>
      runPlain(batchable(job) ? grouped.notify(job) : one.notify(job))
    const outbox: OutboxStoreShape = { ...(yield* makeOutboxReads), ...makePgOutbox(sql, transaction) }
    const writes = makePgWrites(sql, transaction)
    const push: PushStoreShape = { ...(yield* makePushReads), ...makePgPushWrites(sql, transaction) }

    /** The apps asked for in one turn (every request's credential), read in one round trip. */
    const appsThisTurn = perTurnLoader((ids) =>
      sql`SELECT id, name, secret, created_at FROM apps WHERE id = ANY(${ids}::text[])`.pipe(
        Effect.map(
          (rows) =>
            new Map(
              rows.map((r): [string, AppRecord] => [
                String(r["id"]),
                {
                  id: String(r["id"]),
                  name: String(r["name"]),
                  secret: String(r["secret"]),
                  createdAt: String(r["created_at"])
                }
              ])
            )
        ),
        Effect.orDie
      )
    )

    /** Apps and their event types kept a second; forgotten here at once on a change, elsewhere on its NOTIFY. */
    const apps = makeAppCache(appsThisTurn, keep)
    const types = makeAppCache(
      (app) =>
        sql`SELECT name, title, description FROM event_types WHERE app = ${app} ORDER BY name COLLATE "C"`.pipe(
          Effect.map((rows) =>
            rows.map(
              (r): EventTypeRecord => ({
                name: String(r["name"]),
                title: String(r["title"]),
                description: r["description"] === null ? null : String(r["description"])
              })
            )
          ),
          Effect.orDie
        ),
      keep
    )
    const forget = (app: string) =>
      Effect.sync(() => {
        apps.forget(app)
        types.forget(app)
      })
    if (keep) {
      yield* (yield* PgClient.PgClient).listen(APPS_CHANNEL).pipe(
        Stream.runForEach(forget),
        Effect.catchAllCause((cause) => Effect.logWarning("app changes not heard (apps kept 1 s)", cause)),
        Effect.zipRight(Effect.sleep(Duration.seconds(1))),
        Effect.forever,
        Effect.forkScoped
      )
    }

    const store: StoreShape = {
      ...reads,
      ...writes,
      // Forgotten here before the answer; other nodes forget on the NOTIFY the write sent.
      setSecret: (id, secret) => writes.setSecret(id, secret).pipe(Effect.ensuring(forget(id))),
      deleteApp: (id) => writes.deleteApp(id).pipe(Effect.ensuring(forget(id))),
      putEventType: (app, t) => writes.putEventType(app, t).pipe(Effect.ensuring(forget(app))),
      deleteEventType: (app, name) => writes.deleteEventType(app, name).pipe(Effect.ensuring(forget(app))),
      notify,
      mark,
      emails: yield* makeEmailStore(outbox),
      durability: Effect.sync(() => ({
        journalMode: "postgresql",
        synchronous: `synchronous_commit=${String(setting?.["value"])}`,
        commits
      })),
      getApp: apps.get,
      findApp: apps.find,
      listEventTypes: (app) => types.get(app).pipe(Effect.map((list) => list ?? [])),
      findEventTypes: (app) => mapPlain(types.find(app), (list) => list ?? [])
    }
    const topics: TopicStoreShape = { ...(yield* makeTopicReads), ...makePgTopicWrites(sql, transaction) }
    return Context.make(Store, withoutNulKeys(store)).pipe(
      Context.add(OutboxStore, outbox),
      Context.add(PushStore, push),
      Context.add(TopicStore, topics),
      Context.add(ConversationStore, {
        ...(yield* makeConversationReads),
        ...makePgConversationWrites(sql, transaction)
      }),
      Context.add(WebhookSends, makeWebhookSendSql(sql))
    )
  })

/** Store (and the outbox's, push's and topics' stores) on the PostgreSQL database at `url` (`postgres://user:pass@host:port/db`). */
export const layerPgStore = (
  url: string,
  /** A one-shot command (the CLI): nothing kept, no LISTEN connection to close on the way out. */
  { oneShot = false }: { readonly oneShot?: boolean } = {}
): Layer.Layer<Store | OutboxStore | PushStore | TopicStore | ConversationStore | WebhookSends> => {
  const client = PgClient.layer({
    url: Redacted.make(url),
    maxConnections: POOL_SIZE,
    connectTimeout: Duration.seconds(5),
    applicationName: "pushback"
  }).pipe(Layer.orDie)
  return Layer.scopedContext(makePgStore(!oneShot)).pipe(Layer.provide(client))
}
