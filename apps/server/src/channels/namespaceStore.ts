/**
 * Where namespaces are kept (PROTOCOL.md §12): the `channel_namespaces` table (migration 0011),
 * on a small connection of its own to the node's database — a second SQLite connection on the
 * same file (WAL; a busy write is retried without blocking), or a pool of two PostgreSQL connections — made after the Store
 * (which migrates), as the webhooks' storage does. Namespaces are configuration: written rarely,
 * read whole into each node's memory (namespaces.ts), never on the publish path. The SQL is
 * portable.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Context, Duration, Effect, Layer, Redacted, Schedule, type Scope } from "effect"
import { type ServerConfig, sqlitePath } from "../config/Config.js"
import { isPostgresUrl } from "../config/DatabaseUrl.js"
import { Store } from "../storage/Store.js"

/** A namespace's options, as stored and as every node holds them. */
export interface NamespaceOptions {
  readonly public: boolean
  readonly presence: boolean
  readonly joinLeave: boolean
  readonly clientPublish: boolean
  readonly history: { readonly size: number; readonly ttlSeconds: number }
}

/** One stored namespace (`name` `""`: the default one). */
export interface NamespaceRow {
  readonly app: string
  readonly name: string
  readonly options: NamespaceOptions
}

/** The namespaces' storage. */
export interface NamespaceStoreShape {
  /** Every namespace of every app (a node's start and its periodic refresh). */
  readonly all: Effect.Effect<ReadonlyArray<NamespaceRow>>
  /** The namespaces of one app (another node changed them). */
  readonly ofApp: (app: string) => Effect.Effect<ReadonlyArray<NamespaceRow>>
  /** Creates or replaces a namespace's options. */
  readonly put: (row: NamespaceRow) => Effect.Effect<void>
  /** Deletes a namespace; false when there was none. */
  readonly remove: (app: string, name: string) => Effect.Effect<boolean>
}

/** Options as stored (a JSON object), with every field defaulted so an old row still reads. */
const optionsOf = (text: unknown): NamespaceOptions => {
  const o = JSON.parse(String(text)) as Partial<NamespaceOptions>
  return {
    public: o.public === true,
    presence: o.presence === true,
    joinLeave: o.joinLeave === true,
    clientPublish: o.clientPublish === true,
    history: { size: o.history?.size ?? 0, ttlSeconds: o.history?.ttlSeconds ?? 0 }
  }
}

const rowOf = (r: Record<string, unknown>): NamespaceRow => ({
  app: String(r["app"]),
  name: String(r["name"]),
  options: optionsOf(r["options"])
})

/** The store over any `@effect/sql` client. */
export const makeNamespaceStore = (
  sql: SqlClient.SqlClient,
  retried: <A>(write: Effect.Effect<A, unknown>) => Effect.Effect<A, unknown> = (write) => write
): NamespaceStoreShape => ({
  all: sql`SELECT app, name, options FROM channel_namespaces`.pipe(
    Effect.map((rows) => rows.map(rowOf)),
    Effect.orDie
  ),
  ofApp: (app) =>
    sql`SELECT app, name, options FROM channel_namespaces WHERE app = ${app}`.pipe(
      Effect.map((rows) => rows.map(rowOf)),
      Effect.orDie
    ),
  put: (row) =>
    sql`INSERT INTO channel_namespaces (app, name, options, updated_at)
      VALUES (${row.app}, ${row.name}, ${JSON.stringify(row.options)}, ${new Date().toISOString()})
      ON CONFLICT (app, name) DO UPDATE SET options = excluded.options, updated_at = excluded.updated_at`.pipe(
      retried,
      Effect.asVoid,
      Effect.orDie
    ),
  remove: (app, name) =>
    sql`DELETE FROM channel_namespaces WHERE app = ${app} AND name = ${name} RETURNING name`.pipe(
      retried,
      Effect.map((rows) => rows.length > 0),
      Effect.orDie
    )
})

/** The connection the namespaces' storage uses. */
const clientFor = (config: ServerConfig): Layer.Layer<SqlClient.SqlClient> =>
  isPostgresUrl(config.databaseUrl)
    ? Layer.orDie(
        PgClient.layer({
          url: Redacted.make(config.databaseUrl),
          maxConnections: 2,
          connectTimeout: Duration.seconds(5),
          applicationName: "pushback-channels"
        })
      )
    : Layer.orDie(SqliteClient.layer({ filename: sqlitePath(config.databaseUrl) }))

/** The namespaces' storage of a node, once the Store has migrated the database. */
export const namespaceStoreFor = (
  config: ServerConfig
): Effect.Effect<NamespaceStoreShape, never, Store | Scope.Scope> =>
  Effect.gen(function* () {
    yield* Store
    const sql = Context.get(yield* Layer.build(clientFor(config)), SqlClient.SqlClient)
    if (isPostgresUrl(config.databaseUrl)) return makeNamespaceStore(sql)
    // SQLite waits for a lock synchronously, holding the event loop: this connection never waits
    // (busy_timeout 0) and a write that met the writer thread's lock is tried again 20 ms later,
    // for up to 5 s, while everything else goes on.
    yield* sql`PRAGMA busy_timeout = 0`.pipe(Effect.orDie)
    return makeNamespaceStore(sql, (write) =>
      Effect.retry(write, { schedule: Schedule.spaced("20 millis"), times: 250 })
    )
  })
