/**
 * The PostgreSQL store's other writes: apps, users, event types, preferences, pruning and the
 * kept admin token, each one transaction on a pooled connection, with the semantics of
 * sqliteWrites.ts. What SQLite gets from its one writer is built for: rows several users'
 * writes share are upserted in id order (`COLLATE "C"`, as notify locks them) so no two
 * transactions wait on each other in a cycle; a user's row is locked before their
 * notifications; pruning runs once per cluster under an advisory lock (PROTOCOL.md §6).
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { AppRecord, EventTypeRecord, PreferenceRecord, UserInput } from "../../tenancy/TenancyStore.js"
import type { Receipt } from "../../stream/StreamStore.js"
import { pgStatsBump } from "../../stats/pgBuckets.js"
import { countByMinute, type Grain } from "../../stats/statsBuckets.js"
import { APP_ROW_TABLES, USER_ROW_TABLES } from "../tables.js"
import { pgPruneOutbox } from "../../outbox/pgOutbox.js"
import { makePgWebhookWrites } from "../../webhooks/pgWebhooks.js"
import { announceAppChange } from "./pgAppCache.js"

type Sql = SqlClient.SqlClient

/** The advisory lock key of the retention duty, one per cluster: "pushprun" as 8 bytes. */
const PRUNE_LOCK = "8103509996923417966"

/** The `settings` row the generated admin token is kept in. */
const ADMIN_TOKEN_KEY = "admin_token"

/** Repeated users of one call merged, later details winning (as sequential upserts would). */
const mergeUsers = (users: ReadonlyArray<UserInput>): Array<UserInput> => {
  const merged = new Map<string, UserInput>()
  for (const u of users) {
    const prior = merged.get(u.id)
    merged.set(u.id, { id: u.id, email: u.email ?? prior?.email, name: u.name ?? prior?.name })
  }
  return [...merged.values()]
}

/** The writes over `sql`; `transaction` wraps each in one (and counts commits). */
export const makePgWrites = (
  sql: Sql,
  transaction: <A>(effect: Effect.Effect<A, unknown>) => Effect.Effect<A>
) => ({
  createApp: (app: AppRecord) =>
    transaction(
      sql`INSERT INTO apps (id, name, secret, created_at)
        VALUES (${app.id}, ${app.name}, ${app.secret}, ${app.createdAt})`.pipe(Effect.asVoid)
    ),
  deleteApp: (id: string) =>
    transaction(
      Effect.gen(function* () {
        const gone = yield* sql`DELETE FROM apps WHERE id = ${id} RETURNING id`
        yield* announceAppChange(sql, id)
        yield* sql`DELETE FROM users WHERE app = ${id}`
        for (const t of APP_ROW_TABLES) yield* sql`DELETE FROM ${sql(t)} WHERE app = ${id}`
        return gone.length > 0
      })
    ),
  /** Other nodes forget the app they keep on the NOTIFY, sent at commit (pgAppCache.ts). */
  setSecret: (id: string, secret: string) =>
    transaction(
      sql`UPDATE apps SET secret = ${secret} WHERE id = ${id} RETURNING id`.pipe(
        Effect.tap(() => announceAppChange(sql, id)),
        Effect.map((rows) => rows.length > 0)
      )
    ),
  upsertUsers: (app: string, users: ReadonlyArray<UserInput>, now: string) =>
    transaction(
      Effect.gen(function* () {
        const merged = mergeUsers(users)
        if (merged.length === 0) return users.length
        yield* sql`INSERT INTO users (app, id, email, name, created_at, seq)
          SELECT ${app}, r.id, r.email, r.name, ${now}, 0
          FROM unnest(${merged.map((u) => u.id)}::text[], ${merged.map((u) => u.email ?? null)}::text[],
            ${merged.map((u) => u.name ?? null)}::text[]) AS r(id, email, name)
          ORDER BY r.id COLLATE "C"
          ON CONFLICT (app, id) DO UPDATE SET
            email = COALESCE(excluded.email, users.email), name = COALESCE(excluded.name, users.name)`
        return users.length
      })
    ),
  deleteUser: (app: string, id: string) =>
    transaction(
      Effect.gen(function* () {
        // The user's row first: a notify holding it commits before the children are erased.
        const gone = yield* sql`DELETE FROM users WHERE app = ${app} AND id = ${id} RETURNING id`
        // No such user: a 404 that changes nothing (not even rows a token wrote before registering).
        if (gone.length === 0) return false
        for (const t of USER_ROW_TABLES) {
          yield* sql`DELETE FROM ${sql(t)} WHERE app = ${app} AND user_id = ${id}`
        }
        return gone.length > 0
      })
    ),
  putEventType: (app: string, t: EventTypeRecord) =>
    transaction(
      sql`INSERT INTO event_types (app, name, title, description)
        VALUES (${app}, ${t.name}, ${t.title}, ${t.description})
        ON CONFLICT (app, name) DO UPDATE SET title = excluded.title, description = excluded.description`.pipe(
        Effect.zipRight(announceAppChange(sql, app)),
        Effect.asVoid
      )
    ),
  deleteEventType: (app: string, name: string) =>
    transaction(
      sql`DELETE FROM event_types WHERE app = ${app} AND name = ${name} RETURNING name`.pipe(
        Effect.tap(() => announceAppChange(sql, app)),
        Effect.map((rows) => rows.length > 0)
      )
    ),
  putPreferences: (app: string, user: string, prefs: ReadonlyArray<PreferenceRecord>) => {
    // The last of repeated types wins, as sequential upserts would.
    const byType = [...new Map(prefs.map((p) => [p.type, p])).values()]
    if (byType.length === 0) return Effect.void
    return transaction(
      sql`INSERT INTO preferences (app, user_id, type, in_app, email, push)
        SELECT ${app}, ${user}, r.type, r.in_app, r.email, r.push
        FROM unnest(${byType.map((p) => p.type)}::text[], ${byType.map((p) => (p.inApp ? 1 : 0))}::int[],
          ${byType.map((p) => (p.email ? 1 : 0))}::int[], ${byType.map((p) => (p.push ? 1 : 0))}::int[])
          AS r(type, in_app, email, push)
        ON CONFLICT (app, user_id, type) DO UPDATE SET in_app = excluded.in_app, email = excluded.email,
          push = excluded.push`.pipe(Effect.asVoid)
    )
  },

  /**
   * First deliveries: the recipients' rows are locked first, in (app, id) order as notify
   * locks them, then their notifications, as marks do: one lock order everywhere, no cycle.
   * Every row is found by its key, one lookup per receipt, whatever the statistics say: with
   * statistics taken when every notification was delivered, PostgreSQL estimated one row
   * undelivered and drove a join from a scan of all the app's notifications, 500 receipts
   * tested against each (7–8 s in the ×3 bench, with the users locked, so notify calls to them
   * queued behind it); with `id = ANY(ids)` it still scanned them through another index.
   */
  markDelivered: (receipts: ReadonlyArray<Receipt>) =>
    transaction(
      Effect.gen(function* () {
        if (receipts.length === 0) return 0
        const byApp = new Map<string, Array<Receipt>>()
        for (const r of receipts) {
          const list = byApp.get(r.app)
          if (list === undefined) byApp.set(r.app, [r])
          else list.push(r)
        }
        const apps = [...byApp.keys()].sort()
        for (const app of apps) {
          const users = [...new Set(byApp.get(app)!.map((r) => r.user))]
          yield* sql`SELECT 1 FROM users WHERE app = ${app} AND id = ANY(${users}::text[])
            ORDER BY id COLLATE "C" FOR UPDATE`
        }
        const delivered: Array<{ app: string; user: string; id: string; at: string }> = []
        for (const app of apps) {
          const list = byApp.get(app)!
          const ids = list.map((r) => r.id)
          // Each row found by its key (the LATERAL runs once per id: no plan can scan the app's
          // notifications), then updated by its tuple id.
          const rows = yield* sql`WITH t AS MATERIALIZED (
              SELECT x.ctid AS tid, r.at FROM unnest(${ids}::text[], ${list.map((r) => r.at)}::text[]) AS r(id, at)
              CROSS JOIN LATERAL (SELECT ctid FROM notifications
                WHERE app = ${app} AND id = r.id AND delivered_at IS NULL LIMIT 1) x
            )
            UPDATE notifications n SET delivered_at = t.at FROM t
            WHERE n.ctid = ANY(ARRAY(SELECT tid FROM t)) AND n.ctid = t.tid AND n.delivered_at IS NULL
            RETURNING n.delivered_at, n.id, n.user_id`
          for (const r of rows)
            delivered.push({
              app,
              user: String(r["user_id"]),
              id: String(r["id"]),
              at: String(r["delivered_at"])
            })
        }
        for (const c of countByMinute(delivered)) yield* pgStatsBump(sql, c.app, c.at, { delivered: c.n })
        yield* makePgWebhookWrites(sql).delivered(delivered)
        return delivered.length
      })
    ),

  /** Once per cluster: a node that finds the lock held skips this round (another is pruning). */
  prune: (before: string, keep: number, keysBefore: string, statsBefore: Readonly<Record<Grain, string>>) =>
    transaction(
      Effect.gen(function* () {
        const [lock] = yield* sql`SELECT pg_try_advisory_xact_lock(${PRUNE_LOCK}::bigint) AS mine`
        if (lock?.["mine"] !== true) return 0
        const [old] = yield* sql`WITH d AS (DELETE FROM entries WHERE created_at < ${before} RETURNING 1)
          SELECT COUNT(*) AS n FROM d`
        const [over] = yield* sql`WITH d AS (DELETE FROM entries e USING users u
            WHERE u.app = e.app AND u.id = e.user_id AND e.seq <= u.seq - ${keep} RETURNING 1)
          SELECT COUNT(*) AS n FROM d`
        yield* sql`DELETE FROM idempotency_keys WHERE created_at < ${keysBefore}`
        yield* pgPruneOutbox(sql, before)
        for (const [grain, t] of Object.entries(statsBefore)) {
          yield* sql`DELETE FROM stats_buckets WHERE grain = ${grain} AND t < ${t}`
        }
        return Number(old?.["n"] ?? 0) + Number(over?.["n"] ?? 0)
      })
    ),

  adminTokens: {
    /** The kept token; `fresh` becomes it when none is kept yet (the first node's wins). */
    keep: (fresh: string) =>
      transaction(
        Effect.gen(function* () {
          yield* sql`INSERT INTO settings (key, value) VALUES (${ADMIN_TOKEN_KEY}, ${fresh})
            ON CONFLICT (key) DO NOTHING`
          const [row] = yield* sql`SELECT value FROM settings WHERE key = ${ADMIN_TOKEN_KEY}`
          return String(row?.["value"])
        })
      ),
    /** Forgets `token` if it is the kept one (a first start that failed before printing it). */
    forget: (token: string) =>
      transaction(
        sql`DELETE FROM settings WHERE key = ${ADMIN_TOKEN_KEY} AND value = ${token}`.pipe(Effect.asVoid)
      )
  }
})
