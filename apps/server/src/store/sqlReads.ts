/**
 * The Store over any `@effect/sql` client. The SQL is portable between SQLite and
 * PostgreSQL, so each backend is only a client layer plus this (see `sqlite.ts`).
 * Large batches are chunked to stay under both engines' bound-parameter limits.
 */
import { SqlClient, type Statement } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Layer, Option } from "effect"
import {
  type AppRecord,
  type ListFilter,
  type NotificationRecord,
  Store,
  type StoreShape,
  type UserRecord
} from "../Store.js"
import { makeGroupCommit } from "./groupCommit.js"

const CHUNK = 500

const chunks = <A>(items: ReadonlyArray<A>, size = CHUNK): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

type Row = Record<string, unknown>
const str = (v: unknown): string => String(v)
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))
const num = (v: unknown): number => Number(v ?? 0)

const toApp = (r: Row): AppRecord => ({
  id: str(r["id"]),
  name: str(r["name"]),
  secret: str(r["secret"]),
  createdAt: str(r["created_at"])
})

const toUser = (r: Row): UserRecord => ({
  id: str(r["id"]),
  email: strOrNull(r["email"]),
  name: strOrNull(r["name"]),
  createdAt: str(r["created_at"])
})

const toNotification = (r: Row): NotificationRecord => ({
  id: str(r["id"]),
  user: str(r["user_id"]),
  seq: num(r["seq"]),
  type: strOrNull(r["type"]),
  title: strOrNull(r["title"]),
  content: str(r["content"]),
  url: strOrNull(r["url"]),
  icon: strOrNull(r["icon"]),
  image: strOrNull(r["image"]),
  data: strOrNull(r["data"]),
  createdAt: str(r["created_at"]),
  seenAt: strOrNull(r["seen_at"]),
  readAt: strOrNull(r["read_at"])
})

/** Builds the Store on the SqlClient in context. */
export const makeSqlStore = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const groupCommit = yield* makeGroupCommit

  /**
   * Runs a statement. Inside a transaction (every write of the notify and mark paths: see
   * groupCommit.ts) it goes straight to the transaction's connection: the same SQL, without
   * the span, scope and connection acquire that @effect/sql adds to each statement, which
   * were most of the CPU a notify call cost. Outside one it is the statement as is.
   */
  const run = (statement: Statement.Statement<Row>): Effect.Effect<ReadonlyArray<Row>, SqlError> =>
    Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (tx) => {
      if (Option.isNone(tx)) return statement
      const [text, params] = statement.compile()
      return tx.value[0].execute(text, params, undefined)
    })

  const listWhere = (
    app: string,
    user: string,
    f: Pick<ListFilter, "status" | "type" | "since" | "before">
  ) => {
    const clauses = [sql`app = ${app}`, sql`user_id = ${user}`]
    if (f.status === "unseen") clauses.push(sql`seen_at IS NULL`)
    if (f.status === "unread") clauses.push(sql`read_at IS NULL`)
    if (f.status === "read") clauses.push(sql`read_at IS NOT NULL`)
    if (f.type !== undefined) clauses.push(sql`type = ${f.type}`)
    if (f.since !== undefined) clauses.push(sql`created_at >= ${f.since}`)
    if (f.before !== undefined) clauses.push(sql`created_at < ${f.before}`)
    return sql.and(clauses)
  }

  const store: StoreShape = {
    transaction: groupCommit,
    ping: sql`SELECT 1`.pipe(Effect.asVoid, Effect.orDie),

    createApp: (app) =>
      sql`INSERT INTO apps ${sql.insert({ id: app.id, name: app.name, secret: app.secret, created_at: app.createdAt })}`.pipe(
        Effect.asVoid,
        Effect.orDie
      ),
    listApps: sql`SELECT * FROM apps ORDER BY created_at, id`.pipe(
      Effect.map((rows) => rows.map(toApp)),
      Effect.orDie
    ),
    getApp: (id) =>
      sql`SELECT * FROM apps WHERE id = ${id}`.pipe(
        Effect.map((rows) => (rows[0] ? toApp(rows[0]) : undefined)),
        Effect.orDie
      ),
    deleteApp: (id) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            for (const table of [
              "entries",
              "notifications",
              "notify_calls",
              "preferences",
              "event_types",
              "users",
              "idempotency_keys",
              "app_counters"
            ]) {
              yield* sql`DELETE FROM ${sql(table)} WHERE app = ${id}`
            }
            const rows = yield* sql`DELETE FROM apps WHERE id = ${id} RETURNING id`
            return rows.length > 0
          })
        )
        .pipe(Effect.orDie),
    setSecret: (id, secret) =>
      sql`UPDATE apps SET secret = ${secret} WHERE id = ${id} RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        Effect.orDie
      ),

    upsertUsers: (app, users, now) =>
      Effect.gen(function* () {
        for (const chunk of chunks(users)) {
          const rows = chunk.map((u) => ({
            app,
            id: u.id,
            email: u.email ?? null,
            name: u.name ?? null,
            created_at: now,
            seq: 0
          }))
          yield* run(sql`INSERT INTO users ${sql.insert(rows)}
            ON CONFLICT (app, id) DO UPDATE SET
              email = COALESCE(excluded.email, users.email),
              name = COALESCE(excluded.name, users.name)`)
        }
        return users.length
      }).pipe(Effect.orDie),
    listUsers: (app, limit, offset) =>
      Effect.gen(function* () {
        const [c] = yield* sql`SELECT COUNT(*) AS n FROM users WHERE app = ${app}`
        const rows =
          yield* sql`SELECT * FROM users WHERE app = ${app} ORDER BY created_at, id LIMIT ${limit} OFFSET ${offset}`
        return { count: num(c?.["n"]), users: rows.map(toUser) }
      }).pipe(Effect.orDie),
    getUser: (app, id) =>
      sql`SELECT * FROM users WHERE app = ${app} AND id = ${id}`.pipe(
        Effect.map((rows) => (rows[0] ? toUser(rows[0]) : undefined)),
        Effect.orDie
      ),
    allUserIds: (app) =>
      sql`SELECT id FROM users WHERE app = ${app} ORDER BY id`.pipe(
        Effect.map((rows) => rows.map((r) => str(r["id"]))),
        Effect.orDie
      ),
    deleteUser: (app, id) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`DELETE FROM entries WHERE app = ${app} AND user_id = ${id}`
            yield* sql`DELETE FROM notifications WHERE app = ${app} AND user_id = ${id}`
            yield* sql`DELETE FROM preferences WHERE app = ${app} AND user_id = ${id}`
            const rows = yield* sql`DELETE FROM users WHERE app = ${app} AND id = ${id} RETURNING id`
            return rows.length > 0
          })
        )
        .pipe(Effect.orDie),

    putEventType: (app, t) =>
      sql`INSERT INTO event_types ${sql.insert({ app, name: t.name, title: t.title, description: t.description })}
        ON CONFLICT (app, name) DO UPDATE SET title = excluded.title, description = excluded.description`.pipe(
        Effect.asVoid,
        Effect.orDie
      ),
    listEventTypes: (app) =>
      sql`SELECT name, title, description FROM event_types WHERE app = ${app} ORDER BY name`.pipe(
        Effect.map((rows) =>
          rows.map((r) => ({
            name: str(r["name"]),
            title: str(r["title"]),
            description: strOrNull(r["description"])
          }))
        ),
        Effect.orDie
      ),
    deleteEventType: (app, name) =>
      sql`DELETE FROM event_types WHERE app = ${app} AND name = ${name} RETURNING name`.pipe(
        Effect.map((rows) => rows.length > 0),
        Effect.orDie
      ),

    getPreferences: (app, user) =>
      sql`SELECT type, in_app, email FROM preferences WHERE app = ${app} AND user_id = ${user} ORDER BY type`.pipe(
        Effect.map((rows) =>
          rows.map((r) => ({
            type: str(r["type"]),
            inApp: num(r["in_app"]) === 1,
            email: num(r["email"]) === 1
          }))
        ),
        Effect.orDie
      ),
    putPreferences: (app, user, prefs) =>
      Effect.gen(function* () {
        if (prefs.length === 0) return
        const rows = prefs.map((p) => ({
          app,
          user_id: user,
          type: p.type,
          in_app: p.inApp ? 1 : 0,
          email: p.email ? 1 : 0
        }))
        yield* sql`INSERT INTO preferences ${sql.insert(rows)}
          ON CONFLICT (app, user_id, type) DO UPDATE SET in_app = excluded.in_app, email = excluded.email`
      }).pipe(Effect.orDie),
    optedOut: (app, type, users) =>
      Effect.gen(function* () {
        const out = new Set<string>()
        for (const chunk of chunks(users, 5000)) {
          const rows = yield* run(sql`SELECT user_id FROM preferences
            WHERE app = ${app} AND type = ${type} AND in_app = 0 AND ${sql.in("user_id", chunk)}`)
          for (const r of rows) out.add(str(r["user_id"]))
        }
        return out
      }).pipe(Effect.orDie),

    registerAndNextSeqs: (app, users, now) =>
      Effect.gen(function* () {
        const seqs = new Map<string, number>()
        for (const chunk of chunks(users)) {
          const rows = chunk.map((u) => ({
            app,
            id: u.id,
            email: u.email ?? null,
            name: u.name ?? null,
            created_at: now,
            seq: 1
          }))
          const answered = yield* run(sql`INSERT INTO users ${sql.insert(rows)}
            ON CONFLICT (app, id) DO UPDATE SET
              seq = users.seq + 1,
              email = COALESCE(excluded.email, users.email),
              name = COALESCE(excluded.name, users.name)
            RETURNING id, seq`)
          for (const r of answered) seqs.set(str(r["id"]), num(r["seq"]))
        }
        return users.map((u) => seqs.get(u.id)!)
      }).pipe(Effect.orDie),
    nextSeqs: (app, users) =>
      Effect.gen(function* () {
        const seqs = new Map<string, number>()
        for (const chunk of chunks(users, 5000)) {
          const rows = yield* run(sql`UPDATE users SET seq = seq + 1
            WHERE app = ${app} AND ${sql.in("id", chunk)} RETURNING id, seq`)
          for (const r of rows) seqs.set(str(r["id"]), num(r["seq"]))
        }
        return users.map((u) => {
          const seq = seqs.get(u)
          if (seq === undefined) throw new Error(`user ${u} vanished during notify`)
          return seq
        })
      }).pipe(Effect.orDie),
    insertNotifications: (app, rows) =>
      Effect.gen(function* () {
        for (const chunk of chunks(rows)) {
          yield* run(
            sql`INSERT INTO notifications ${sql.insert(
              chunk.map((n) => ({
                app,
                id: n.id,
                user_id: n.user,
                call_id: n.callId,
                seq: n.seq,
                type: n.type,
                title: n.title,
                content: n.content,
                url: n.url,
                icon: n.icon,
                image: n.image,
                data: n.data,
                created_at: n.createdAt,
                seen_at: null,
                read_at: null
              }))
            )}`
          )
        }
      }).pipe(Effect.orDie),
    insertEntries: (app, entries, now) =>
      Effect.gen(function* () {
        for (const chunk of chunks(entries)) {
          yield* run(
            sql`INSERT INTO entries ${sql.insert(
              chunk.map((e) => ({ app, user_id: e.user, seq: e.seq, payload: e.payload, created_at: now }))
            )}`
          )
        }
      }).pipe(Effect.orDie),
    recordCall: (app, call) =>
      Effect.gen(function* () {
        yield* run(
          sql`INSERT INTO notify_calls ${sql.insert({
            app,
            id: call.id,
            email: call.email,
            recipients: call.recipients,
            online: call.online,
            created_at: call.createdAt
          })}`
        )
        if (call.online > 0) {
          yield* run(sql`INSERT INTO app_counters ${sql.insert({ app, delivered: call.online })}
            ON CONFLICT (app) DO UPDATE SET delivered = app_counters.delivered + excluded.delivered`)
        }
      }).pipe(Effect.orDie),

    findIdempotent: (app, key, notBefore) =>
      run(
        sql`SELECT response FROM idempotency_keys WHERE app = ${app} AND key = ${key} AND created_at >= ${notBefore}`
      ).pipe(
        Effect.map((rows) => (rows[0] ? str(rows[0]["response"]) : undefined)),
        Effect.orDie
      ),
    saveIdempotent: (app, key, response, now) =>
      run(sql`INSERT INTO idempotency_keys ${sql.insert({ app, key, response, created_at: now })}
        ON CONFLICT (app, key) DO UPDATE SET response = excluded.response, created_at = excluded.created_at`).pipe(
        Effect.asVoid,
        Effect.orDie
      ),

    listNotifications: (app, user, filter) =>
      Effect.gen(function* () {
        const where = listWhere(app, user, filter)
        const [c] = yield* sql`SELECT COUNT(*) AS n FROM notifications WHERE ${where}`
        const rows = yield* sql`SELECT * FROM notifications WHERE ${where}
          ORDER BY seq DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
        return { count: num(c?.["n"]), rows: rows.map(toNotification) }
      }).pipe(Effect.orDie),
    getNotification: (app, user, id) =>
      sql`SELECT * FROM notifications WHERE app = ${app} AND user_id = ${user} AND id = ${id}`.pipe(
        Effect.map((rows) => (rows[0] ? toNotification(rows[0]) : undefined)),
        Effect.orDie
      ),
    mark: (app, user, kind, target, now) =>
      Effect.gen(function* () {
        const scope = "ids" in target ? [target.ids] : [undefined]
        const changed: Array<string> = []
        for (const ids of "ids" in target ? chunks(target.ids, 5000) : scope) {
          const only = ids === undefined ? sql`1 = 1` : sql.in("id", ids)
          const rows =
            kind === "seen"
              ? yield* run(sql`UPDATE notifications SET seen_at = ${now}
                  WHERE app = ${app} AND user_id = ${user} AND seen_at IS NULL AND ${only} RETURNING id, seq`)
              : kind === "read"
                ? yield* run(sql`UPDATE notifications SET read_at = ${now}, seen_at = COALESCE(seen_at, ${now})
                  WHERE app = ${app} AND user_id = ${user} AND read_at IS NULL AND ${only} RETURNING id, seq`)
                : yield* run(sql`DELETE FROM notifications
                  WHERE app = ${app} AND user_id = ${user} AND ${only} RETURNING id, seq`)
          const sorted = [...rows].sort((a, b) => num(a["seq"]) - num(b["seq"]))
          for (const r of sorted) changed.push(str(r["id"]))
        }
        return changed
      }).pipe(Effect.orDie),
    // One statement, so the counts and the cursor are one snapshot.
    counts: (app, user) =>
      sql`SELECT COUNT(*) AS total,
          SUM(CASE WHEN seen_at IS NULL THEN 1 ELSE 0 END) AS unseen,
          SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END) AS unread,
          (SELECT seq FROM users WHERE app = ${app} AND id = ${user}) AS cursor
        FROM notifications WHERE app = ${app} AND user_id = ${user}`.pipe(
        Effect.map(([r]) => ({
          unseen: num(r?.["unseen"]),
          unread: num(r?.["unread"]),
          total: num(r?.["total"]),
          cursor: num(r?.["cursor"])
        })),
        Effect.orDie
      ),

    streamAfter: (app, user, cursor, limit) =>
      Effect.gen(function* () {
        const [u] = yield* sql`SELECT seq FROM users WHERE app = ${app} AND id = ${user}`
        const [o] =
          yield* sql`SELECT MIN(seq) AS oldest FROM entries WHERE app = ${app} AND user_id = ${user}`
        const latest = num(u?.["seq"])
        const oldest = o?.["oldest"] === null || o?.["oldest"] === undefined ? null : num(o["oldest"])
        const resumable = cursor === latest || (cursor < latest && oldest !== null && oldest <= cursor + 1)
        if (!resumable || cursor === latest) return { resumable, latest, oldest, entries: [] }
        const rows = yield* sql`SELECT seq, payload FROM entries
          WHERE app = ${app} AND user_id = ${user} AND seq > ${cursor} ORDER BY seq LIMIT ${limit}`
        return {
          resumable,
          latest,
          oldest,
          entries: rows.map((r) => ({ user, seq: num(r["seq"]), payload: str(r["payload"]) }))
        }
      }).pipe(Effect.orDie),

    stats: (app) =>
      Effect.gen(function* () {
        const [u] = yield* sql`SELECT COUNT(*) AS n FROM users WHERE app = ${app}`
        const [n] = yield* sql`SELECT COUNT(*) AS n,
            SUM(CASE WHEN seen_at IS NOT NULL THEN 1 ELSE 0 END) AS seen,
            SUM(CASE WHEN read_at IS NOT NULL THEN 1 ELSE 0 END) AS read_count
          FROM notifications WHERE app = ${app}`
        const [d] = yield* sql`SELECT delivered FROM app_counters WHERE app = ${app}`
        return {
          users: num(u?.["n"]),
          notifications: num(n?.["n"]),
          seen: num(n?.["seen"]),
          read: num(n?.["read_count"]),
          delivered: num(d?.["delivered"])
        }
      }).pipe(Effect.orDie),
    prune: (before, keep, keysBefore) =>
      Effect.gen(function* () {
        const old = yield* sql`DELETE FROM entries WHERE created_at < ${before} RETURNING seq`
        const over = yield* sql`DELETE FROM entries WHERE seq <= (
            SELECT u.seq FROM users u WHERE u.app = entries.app AND u.id = entries.user_id) - ${keep} RETURNING seq`
        yield* sql`DELETE FROM idempotency_keys WHERE created_at < ${keysBefore}`
        return old.length + over.length
      }).pipe(Effect.orDie)
  }
  return store
})

/** The Store layer over whichever SqlClient layer is provided. */
export const layerSqlStore = Layer.scoped(Store, makeSqlStore)
