/**
 * Where the webhooks' storage runs (WebhookStore.ts): a small connection of its own to the
 * node's database — a second SQLite connection on the same file (WAL, busy timeout), or a pool
 * of a few PostgreSQL connections — made after the Store (which migrates). Endpoint changes
 * and events queued outside a write-path transaction (`webhook.test`, presence) are short, rare
 * writes next to the notify path's; the sender's own writes (the attempts log, batches) are the
 * Store backend's `WebhookSends` (the SQLite writer thread, or the PostgreSQL pool). Events caused
 * by the write path are queued inside its own transaction. Old attempts are pruned every 10 minutes.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Duration, Effect, Layer, Redacted, Schedule } from "effect"
import { type Config, type ServerConfig, sqlitePath } from "../config/Config.js"
import { isPostgresUrl } from "../config/DatabaseUrl.js"
import type { SenderSlot } from "../outbox/Sender.js"
import { Store } from "../storage/Store.js"
import { makeWebhookSql } from "./webhookSql.js"
import { makeWebhookSender } from "./webhookSender.js"
import { WebhookSends, WebhookStore } from "./WebhookStore.js"

/** The connection the webhooks' storage uses. */
const clientFor = (config: ServerConfig): Layer.Layer<SqlClient.SqlClient> =>
  isPostgresUrl(config.databaseUrl)
    ? Layer.orDie(
        PgClient.layer({
          url: Redacted.make(config.databaseUrl),
          maxConnections: 3,
          connectTimeout: Duration.seconds(5),
          applicationName: "pushback-webhooks"
        })
      )
    : Layer.orDie(SqliteClient.layer({ filename: sqlitePath(config.databaseUrl) }))

/** How often old attempts are pruned. */
const PRUNE_EVERY = "10 minutes"

/**
 * Drops attempts older than a week, or twice the retry schedule when that is longer (an event's
 * attempts are counted while it is retried); runs on every node (an idempotent delete), never
 * stops on a failure.
 */
const pruneAttempts = (sql: SqlClient.SqlClient, config: ServerConfig) => {
  const keepMs = Math.max(7 * 86_400_000, 2 * config.webhooks.retrySeconds.reduce((a, b) => a + b, 0) * 1000)
  const once = Effect.suspend(
    () => sql`DELETE FROM webhook_attempts WHERE at < ${new Date(Date.now() - keepMs).toISOString()}`
  ).pipe(Effect.catchAllCause((cause) => Effect.logWarning(`pruning webhook attempts failed: ${cause}`)))
  return Effect.repeat(once, Schedule.spaced(PRUNE_EVERY))
}

/** The WebhookStore of a node, once the Store has migrated the database. */
export const layerWebhookStore = (
  config: ServerConfig
): Layer.Layer<WebhookStore, never, Store | WebhookSends> =>
  Layer.scoped(
    WebhookStore,
    Effect.gen(function* () {
      yield* Store
      const sql = yield* SqlClient.SqlClient
      yield* Effect.forkScoped(pruneAttempts(sql, config))
      if (!isPostgresUrl(config.databaseUrl)) yield* sql`PRAGMA busy_timeout = 5000`.pipe(Effect.orDie)
      return yield* makeWebhookSql(yield* WebhookSends)
    })
  ).pipe(Layer.provide(clientFor(config)))

/** Webhooks' slot in the outbox: every node sends them. */
export const webhookSender: Effect.Effect<SenderSlot, never, Config | WebhookStore> = makeWebhookSender
