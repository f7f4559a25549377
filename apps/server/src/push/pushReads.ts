/**
 * Push's reads (PushStore.ts) over any `@effect/sql` client, portable between SQLite and
 * PostgreSQL: a user's subscriptions, one subscription with its keys, and a notification with
 * its call's content for the message.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { makePushCalls } from "./pushCalls.js"
import type { PushStoreShape, SubscriptionRecord, SubscriptionTarget } from "./PushStore.js"

type Row = Record<string, unknown>
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

const recordOf = (r: Row): SubscriptionRecord => ({
  id: String(r["id"]),
  endpoint: String(r["endpoint"]),
  expirationTime: r["expiration_time"] === null ? null : Number(r["expiration_time"]),
  userAgent: strOrNull(r["user_agent"]),
  createdAt: String(r["created_at"])
})

/** Push's reads on the SqlClient in context. */
export const makePushReads = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const reads: Pick<PushStoreShape, "list" | "target" | "content" | "call"> = {
    call: yield* makePushCalls,
    list: (app, user) =>
      sql`SELECT id, endpoint, expiration_time, user_agent, created_at FROM push_subscriptions
        WHERE app = ${app} AND user_id = ${user} ORDER BY created_at, id`.pipe(
        Effect.map((rows) => rows.map(recordOf)),
        Effect.orDie
      ),
    target: (app, id) =>
      sql`SELECT * FROM push_subscriptions WHERE app = ${app} AND id = ${id}`.pipe(
        Effect.map(([r]): SubscriptionTarget | undefined =>
          r === undefined
            ? undefined
            : {
                ...recordOf(r),
                user: String(r["user_id"]),
                p256dh: String(r["p256dh"]),
                auth: String(r["auth"])
              }
        ),
        Effect.orDie
      ),
    content: (app, notificationId) =>
      sql`SELECT n.id, n.user_id, n.seen_at, c.type, c.title, c.content, c.url, c.icon, c.image, c.data, c.push
        FROM notifications n JOIN notify_calls c ON c.app = n.app AND c.id = n.call_id
        WHERE n.app = ${app} AND n.id = ${notificationId}`.pipe(
        Effect.map(([r]) =>
          r === undefined
            ? undefined
            : {
                id: String(r["id"]),
                user: String(r["user_id"]),
                type: strOrNull(r["type"]),
                title: strOrNull(r["title"]),
                content: String(r["content"]),
                url: strOrNull(r["url"]),
                icon: strOrNull(r["icon"]),
                image: strOrNull(r["image"]),
                data: strOrNull(r["data"]),
                push: strOrNull(r["push"]),
                seenAt: strOrNull(r["seen_at"])
              }
        ),
        Effect.orDie
      )
  }
  return reads
})
