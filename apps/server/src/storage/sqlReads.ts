/**
 * The Store's reads over any `@effect/sql` client: lists, counts, resume, stats. The SQL is
 * portable between SQLite and PostgreSQL. None of it is on the notify path, which is the
 * writer's (see sqliteWrites.ts); a `notification` entry's frame is derived here from its
 * call's shared part, stored once per call.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { notificationEntry, SharedBody } from "../notify/Encode.js"
import type { AppRecord, UserRecord } from "../tenancy/TenancyStore.js"
import type { ListFilter, NotificationRecord } from "../inbox/records.js"
import type { StoreShape } from "./Store.js"

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
  topic: strOrNull(r["topic"]),
  seq: num(r["seq"]),
  type: strOrNull(r["type"]),
  title: strOrNull(r["title"]),
  content: str(r["content"]),
  url: strOrNull(r["url"]),
  icon: strOrNull(r["icon"]),
  image: strOrNull(r["image"]),
  data: strOrNull(r["data"]),
  author: strOrNull(r["author"]),
  createdAt: str(r["created_at"]),
  seenAt: strOrNull(r["seen_at"]),
  readAt: strOrNull(r["read_at"]),
  deliveredAt: strOrNull(r["delivered_at"])
})

/** The read half of a Store, on the SqlClient in context. */
export type StoreReads = Pick<
  StoreShape,
  | "ping"
  | "listApps"
  | "listUsers"
  | "getUser"
  | "getPreferences"
  | "listNotifications"
  | "getNotification"
  | "counts"
  | "streamAfter"
  | "stats"
  | "positions"
  | "appSecrets"
  | "series"
  | "listCalls"
>

/** Most ids in one `IN (…)` list (SQLite allows 32,766 parameters; PostgreSQL 65,535). */
const IN_CHUNK = 500

const chunks = <A>(items: ReadonlyArray<A>): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += IN_CHUNK) out.push(items.slice(i, i + IN_CHUNK))
  return out
}

/** A LIKE pattern (escape character `!`) matching any text that contains `text`, lower-cased. */
const likePattern = (text: string): string => `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`

/** Builds the reads on the SqlClient in context. */
export const makeSqlReads = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const listWhere = (
    app: string,
    user: string,
    f: Pick<ListFilter, "status" | "type" | "since" | "before" | "readSince">
  ) => {
    const clauses = [sql`n.app = ${app}`, sql`n.user_id = ${user}`]
    if (f.status === "unseen") clauses.push(sql`n.seen_at IS NULL`)
    if (f.status === "unread") clauses.push(sql`n.read_at IS NULL`)
    if (f.status === "read") clauses.push(sql`n.read_at IS NOT NULL`)
    if (f.type !== undefined) clauses.push(sql`c.type = ${f.type}`)
    if (f.since !== undefined) clauses.push(sql`n.created_at >= ${f.since}`)
    if (f.before !== undefined) clauses.push(sql`n.created_at < ${f.before}`)
    if (f.readSince !== undefined) clauses.push(sql`n.read_at >= ${f.readSince}`)
    return sql.and(clauses)
  }
  // A recipient's row with its call's shared part.
  const withCall = sql`notifications n JOIN notify_calls c ON c.app = n.app AND c.id = n.call_id`
  const notificationColumns = sql`n.id, n.user_id, n.topic, n.seq, n.created_at, n.seen_at, n.read_at, n.delivered_at,
    c.type, c.title, c.content, c.url, c.icon, c.image, c.data, c.author`

  /** Rows of `query` for every chunk of `ids`, as one map. */
  const mapChunks = <K extends string>(
    ids: ReadonlyArray<string>,
    query: (chunk: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Row>, unknown>,
    key: K,
    value: (r: Row) => number | string
  ) =>
    Effect.forEach(chunks(ids), query).pipe(
      Effect.map((all) => new Map(all.flat().map((r) => [str(r[key]), value(r)] as const))),
      Effect.orDie
    )

  const reads: StoreReads = {
    ping: sql`SELECT 1`.pipe(Effect.asVoid, Effect.orDie),
    listApps: sql`SELECT * FROM apps ORDER BY created_at, id`.pipe(
      Effect.map((rows) => rows.map(toApp)),
      Effect.orDie
    ),
    listUsers: (app, limit, offset, search) =>
      Effect.gen(function* () {
        const where =
          search === undefined || search === ""
            ? sql`app = ${app}`
            : sql`app = ${app} AND (LOWER(id) LIKE ${likePattern(search)} ESCAPE '!'
                OR LOWER(email) LIKE ${likePattern(search)} ESCAPE '!' OR LOWER(name) LIKE ${likePattern(search)} ESCAPE '!')`
        const [c] = yield* sql`SELECT COUNT(*) AS n FROM users WHERE ${where}`
        const rows =
          yield* sql`SELECT * FROM users WHERE ${where} ORDER BY created_at, id LIMIT ${limit} OFFSET ${offset}`
        return { count: num(c?.["n"]), users: rows.map(toUser) }
      }).pipe(Effect.orDie),
    getUser: (app, id) =>
      sql`SELECT * FROM users WHERE app = ${app} AND id = ${id}`.pipe(
        Effect.map((rows) => (rows[0] ? toUser(rows[0]) : undefined)),
        Effect.orDie
      ),
    getPreferences: (app, user) =>
      sql`SELECT type, in_app, email, push FROM preferences WHERE app = ${app} AND user_id = ${user}
        ORDER BY type`.pipe(
        Effect.map((rows) =>
          rows.map((r) => ({
            type: str(r["type"]),
            inApp: num(r["in_app"]) === 1,
            email: num(r["email"]) === 1,
            push: num(r["push"]) === 1
          }))
        ),
        Effect.orDie
      ),
    listNotifications: (app, user, filter) =>
      Effect.gen(function* () {
        const where = listWhere(app, user, filter)
        const [c] = yield* sql`SELECT COUNT(*) AS n FROM ${withCall} WHERE ${where}`
        const rows = yield* sql`SELECT ${notificationColumns} FROM ${withCall} WHERE ${where}
          ORDER BY n.seq DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
        return { count: num(c?.["n"]), rows: rows.map(toNotification) }
      }).pipe(Effect.orDie),
    getNotification: (app, user, id) =>
      sql`SELECT ${notificationColumns} FROM ${withCall}
        WHERE n.app = ${app} AND n.user_id = ${user} AND n.id = ${id}`.pipe(
        Effect.map((rows) => (rows[0] ? toNotification(rows[0]) : undefined)),
        Effect.orDie
      ),
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
        const rows = yield* sql`SELECT e.seq, e.payload, e.ntf_id, c.shared, n.topic FROM entries e
          LEFT JOIN notify_calls c ON c.app = e.app AND c.id = e.call_id
          LEFT JOIN notifications n ON n.app = e.app AND n.id = e.ntf_id
          WHERE e.app = ${app} AND e.user_id = ${user} AND e.seq > ${cursor} ORDER BY e.seq LIMIT ${limit}`
        return {
          resumable,
          latest,
          oldest,
          entries: rows.map((r) => {
            const seq = num(r["seq"])
            return r["payload"] === null
              ? notificationEntry(
                  seq,
                  str(r["ntf_id"]),
                  user,
                  new SharedBody(str(r["shared"])),
                  strOrNull(r["topic"])
                )
              : { user, seq, payload: str(r["payload"]) }
          })
        }
      }).pipe(Effect.orDie),

    positions: (app, users) =>
      mapChunks(
        users,
        (chunk) => sql`SELECT id, seq FROM users WHERE app = ${app} AND ${sql.in("id", chunk)}`,
        "id",
        (r) => num(r["seq"])
      ) as Effect.Effect<ReadonlyMap<string, number>>,
    appSecrets: (apps) =>
      mapChunks(
        apps,
        (chunk) => sql`SELECT id, secret FROM apps WHERE ${sql.in("id", chunk)}`,
        "id",
        (r) => str(r["secret"])
      ) as Effect.Effect<ReadonlyMap<string, string>>,

    // Counted from the rows (no row that every notify of an app updates): `delivered` is the
    // notifications with a `deliveredAt`, however they reached a session (live or on resume).
    stats: (app) =>
      Effect.gen(function* () {
        const [u] = yield* sql`SELECT COUNT(*) AS n FROM users WHERE app = ${app}`
        const [n] = yield* sql`SELECT COUNT(*) AS n,
            SUM(CASE WHEN seen_at IS NOT NULL THEN 1 ELSE 0 END) AS seen,
            SUM(CASE WHEN read_at IS NOT NULL THEN 1 ELSE 0 END) AS read_count,
            SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered
          FROM notifications WHERE app = ${app}`
        return {
          users: num(u?.["n"]),
          notifications: num(n?.["n"]),
          seen: num(n?.["seen"]),
          read: num(n?.["read_count"]),
          delivered: num(n?.["delivered"])
        }
      }).pipe(Effect.orDie),

    listCalls: (app, limit, offset) =>
      Effect.gen(function* () {
        const [c] = yield* sql`SELECT COUNT(*) AS n FROM notify_calls WHERE app = ${app}`
        const rows = yield* sql`SELECT c.id, c.created_at, c.type, c.title, c.recipients, c.online,
            (SELECT COUNT(n.delivered_at) FROM notifications n WHERE n.app = c.app AND n.call_id = c.id) AS delivered,
            (SELECT COUNT(n.seen_at) FROM notifications n WHERE n.app = c.app AND n.call_id = c.id) AS seen,
            (SELECT COUNT(n.read_at) FROM notifications n WHERE n.app = c.app AND n.call_id = c.id) AS read_count
          FROM notify_calls c WHERE c.app = ${app}
          ORDER BY c.created_at DESC, c.id DESC LIMIT ${limit} OFFSET ${offset}`
        return {
          count: num(c?.["n"]),
          calls: rows.map((r) => ({
            id: str(r["id"]),
            createdAt: str(r["created_at"]),
            type: strOrNull(r["type"]),
            title: strOrNull(r["title"]),
            recipients: num(r["recipients"]),
            online: num(r["online"]),
            delivered: num(r["delivered"]),
            seen: num(r["seen"]),
            read: num(r["read_count"])
          }))
        }
      }).pipe(Effect.orDie),

    series: (app, grain, from, to) =>
      sql`SELECT t, SUM(notifications) AS notifications, SUM(delivered) AS delivered, SUM(seen) AS seen,
          SUM(read_count) AS read_count, SUM(emails) AS emails, SUM(emails_failed) AS emails_failed,
          SUM(pushes) AS pushes, SUM(pushes_failed) AS pushes_failed
        FROM stats_buckets WHERE app = ${app} AND grain = ${grain} AND t >= ${from} AND t <= ${to}
        GROUP BY t ORDER BY t`.pipe(
        Effect.map((rows) =>
          rows.map((r) => ({
            t: str(r["t"]),
            notifications: num(r["notifications"]),
            delivered: num(r["delivered"]),
            seen: num(r["seen"]),
            read: num(r["read_count"]),
            emails: num(r["emails"]),
            emailsFailed: num(r["emails_failed"]),
            pushes: num(r["pushes"]),
            pushesFailed: num(r["pushes_failed"])
          }))
        ),
        Effect.orDie
      )
  }
  return reads
})
