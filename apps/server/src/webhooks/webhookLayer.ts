/**
 * Where the webhooks' storage runs (WebhookStore.ts): a small connection of its own to the
 * node's database — a second SQLite connection on the same file (WAL, busy timeout), or a pool
 * of a few PostgreSQL connections — made after the Store (which migrates). Endpoint changes,
 * attempts and events queued outside a write-path transaction (`webhook.test`, presence) are
 * short, rare writes next to the notify path's. Events caused by the write path are queued
 * inside its own transaction instead (see docs/webhooks.md).
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Context, Duration, Effect, Layer, Redacted } from "effect"
import { type Config, type ServerConfig, sqlitePath } from "../config/Config.js"
import { isPostgresUrl } from "../config/DatabaseUrl.js"
import type { SenderSlot } from "../outbox/Sender.js"
import { Store } from "../storage/Store.js"
import { makeWebhookSendSql } from "./webhookSendSql.js"
import { makeWebhookSql } from "./webhookSql.js"
import { makeWebhookSender } from "./webhookSender.js"
import { WebhookStore } from "./WebhookStore.js"

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

/** The WebhookStore of a node, once the Store has migrated the database. */
export const layerWebhookStore = (config: ServerConfig): Layer.Layer<WebhookStore, never, Store> =>
  Layer.scoped(
    WebhookStore,
    Effect.gen(function* () {
      yield* Store
      const sql = yield* SqlClient.SqlClient
      if (isPostgresUrl(config.databaseUrl)) return yield* makeWebhookSql(makeWebhookSendSql(sql))
      yield* sql`PRAGMA busy_timeout = 5000`.pipe(Effect.orDie)
      // The sender's writes on a connection that does not wait for the disk (webhookSendSql.ts).
      const sends = Context.get(
        yield* Layer.build(Layer.orDie(SqliteClient.layer({ filename: sqlitePath(config.databaseUrl) }))),
        SqlClient.SqlClient
      )
      yield* sends`PRAGMA busy_timeout = 5000`.pipe(Effect.orDie)
      yield* sends`PRAGMA synchronous = NORMAL`.pipe(Effect.orDie)
      return yield* makeWebhookSql(makeWebhookSendSql(sends))
    })
  ).pipe(Layer.provide(clientFor(config)))

/** Webhooks' slot in the outbox: every node sends them. */
export const webhookSender: Effect.Effect<SenderSlot, never, Config | WebhookStore> = makeWebhookSender
