/**
 * The two hot writes of the PostgreSQL store, notify and mark, each one transaction of a few
 * statements on a pooled connection. Several run at once (no group commit on PostgreSQL), so
 * the rules SQLite gets for free from its one writer are built here (PROTOCOL.md §6):
 * - an idempotency key is claimed first (`INSERT … ON CONFLICT … RETURNING`): a racing call
 *   with the same key waits on the unique index until the first commits, then answers its
 *   response (or Conflict for another body);
 * - each recipient's `seq` moves under its row lock, rows locked in id order (`COLLATE "C"`,
 *   whatever the database's collation; upsertUsers too), so calls with
 *   overlapping audiences queue instead of deadlocking; a user's row is always locked before
 *   their notifications (mark, deleteUser do the same);
 * - nothing every notify of an app updates: `delivered` is derived from the calls.
 * Semantics match sqliteWrites.ts: same ids, seqs, frames and answers.
 */
import type { SqlClient } from "@effect/sql"
import type { NotifyResponse } from "@pushback/protocol"
import { Effect } from "effect"
import { encodeMarkFrame, notificationEntry, SharedBody } from "../../notify/Encode.js"
import type { MarkKind, MarkTarget } from "../../inbox/records.js"
import type { NotifyJob, NotifyOutcome } from "../../notify/NotifyStore.js"
import type { StreamEntry } from "../../notify/Encode.js"
import { pgStatsBump } from "../../stats/pgBuckets.js"
import { makePgAudience } from "./pgAudience.js"
import { makePgWebhookWrites } from "../../webhooks/pgWebhooks.js"

type Sql = SqlClient.SqlClient

/**
 * notify and mark over `sql`; `transaction` wraps each in one (and counts commits);
 * `queueEmails` writes a call's email jobs inside its transaction (pgEmails.ts), `queuePushes`
 * its push jobs (push/pushQueue.ts).
 */
export const makePgNotify = (
  sql: Sql,
  transaction: <A>(effect: Effect.Effect<A, unknown>) => Effect.Effect<A>,
  queueEmails: (
    job: NotifyJob,
    users: ReadonlyArray<string>
  ) => Effect.Effect<{ emails: number; skipped: number }, unknown>,
  queuePushes: (
    job: NotifyJob,
    users: ReadonlyArray<string>
  ) => Effect.Effect<{ pushes: number; skipped: number }, unknown>
) => {
  /** Claims the key; answers the earlier outcome when it was claimed by a call that committed. */
  const claimKey = (job: NotifyJob, idem: NonNullable<NotifyJob["idempotency"]>) =>
    Effect.gen(function* () {
      // A key older than its TTL is forgotten: claimed again as if new (SQLite overwrites it too).
      const claimed = yield* sql`INSERT INTO idempotency_keys (app, key, response, created_at, body_hash)
        VALUES (${job.app}, ${idem.key}, '', ${job.fields.createdAt}, ${idem.bodyHash})
        ON CONFLICT (app, key) DO UPDATE SET response = '', created_at = excluded.created_at,
          body_hash = excluded.body_hash
        WHERE idempotency_keys.created_at < ${idem.notBefore}
        RETURNING 1 AS claimed`
      if (claimed.length > 0) return undefined
      const [prior] = yield* sql`SELECT response, body_hash FROM idempotency_keys
        WHERE app = ${job.app} AND key = ${idem.key}`
      if (prior === undefined) return undefined // cannot happen: the key exists and is not ours
      const hash = prior["body_hash"] as string | null
      // Keys saved before bodies were hashed match any body: their first answer stands.
      if (hash !== null && hash !== idem.bodyHash) return { _tag: "Conflict" } as const
      return { _tag: "Repeated", response: JSON.parse(String(prior["response"])) as NotifyResponse } as const
    })

  const audienceOf = makePgAudience(sql)

  const notify = (job: NotifyJob): Effect.Effect<NotifyOutcome> =>
    transaction(
      Effect.gen(function* () {
        const { app, fields, callId } = job
        const now = fields.createdAt
        const idem = job.idempotency
        if (idem !== undefined) {
          const prior = yield* claimKey(job, idem)
          if (prior !== undefined) return prior as NotifyOutcome
        }
        const audience = yield* audienceOf(job)
        if ("unknownTopic" in audience) return { _tag: "UnknownTopic", key: audience.unknownTopic } as const
        const { users, seqs, topics } = audience
        const live = new Set(job.online)
        const ids: Array<string> = new Array(users.length)
        const entries: Array<StreamEntry> = new Array(users.length)
        const body = new SharedBody(job.shared)
        let online = 0
        for (let i = 0; i < users.length; i++) {
          const user = users[i]!
          const seq = seqs[i]!
          const id = `ntf_${job.stem}_${i.toString(36)}`
          ids[i] = id
          entries[i] = notificationEntry(seq, id, user, body, topics?.[i] ?? null)
          if (live.has(user)) online++
        }
        const mail = yield* queueEmails(job, users)
        const pushed = yield* queuePushes(job, users)
        const response: NotifyResponse = {
          id: callId,
          recipients: users.length,
          online,
          emails: mail.emails,
          pushes: pushed.pushes
        }
        // Every row of the call in one statement: its recipients, their entries, the call, the key's answer.
        yield* sql`WITH r AS (
            SELECT * FROM unnest(${ids}::text[], ${users}::text[], ${seqs}::int[],
              ${topics ?? users.map(() => null)}::text[]) AS r(id, user_id, seq, topic)
          ), n AS (
            INSERT INTO notifications (app, id, user_id, call_id, seq, created_at, topic)
            SELECT ${app}, r.id, r.user_id, ${callId}, r.seq, ${now}, r.topic FROM r
          ), e AS (
            INSERT INTO entries (app, user_id, seq, created_at, call_id, ntf_id)
            SELECT ${app}, r.user_id, r.seq, ${now}, ${callId}, r.id FROM r
          ), k AS (
            UPDATE idempotency_keys SET response = ${JSON.stringify(response)}
            WHERE app = ${app} AND key = ${idem?.key ?? null}
          )
          INSERT INTO notify_calls (app, id, email, recipients, online, created_at,
            type, title, content, url, icon, image, data, author, shared, emails_skipped, push, pushes_skipped)
          VALUES (${app}, ${callId}, ${job.email}, ${users.length}, ${online}, ${now}, ${fields.type},
            ${fields.title}, ${fields.content}, ${fields.url}, ${fields.icon}, ${fields.image}, ${fields.data},
            ${fields.author}, ${job.shared}, ${mail.skipped}, ${job.push ?? null}, ${pushed.skipped})`
        if (users.length > 0) yield* pgStatsBump(sql, app, now, { notifications: users.length })
        return { _tag: "Stored", response, entries } as const
      })
    )

  const webhooks = makePgWebhookWrites(sql)

  /** The ids clause of a mark (none for `all`). */
  const whichIds = (target: MarkTarget) =>
    "ids" in target ? sql`AND id = ANY(${[...target.ids]}::text[])` : sql``

  const markStatement = (app: string, user: string, kind: MarkKind, target: MarkTarget, now: string) => {
    const which = whichIds(target)
    switch (kind) {
      case "seen":
        return sql`UPDATE notifications SET seen_at = ${now}
          WHERE app = ${app} AND user_id = ${user} AND seen_at IS NULL ${which} RETURNING id, seq, call_id`
      case "read":
        return sql`UPDATE notifications SET read_at = ${now}, seen_at = COALESCE(seen_at, ${now})
          WHERE app = ${app} AND user_id = ${user} AND read_at IS NULL ${which} RETURNING id, seq, call_id`
      case "deleted":
        return sql`DELETE FROM notifications WHERE app = ${app} AND user_id = ${user} ${which}
          RETURNING id, seq, call_id`
    }
  }

  const mark = (app: string, user: string, kind: MarkKind, target: MarkTarget, now: string) =>
    transaction(
      Effect.gen(function* () {
        const none = { ids: [] as ReadonlyArray<string>, entries: [] as ReadonlyArray<StreamEntry> }
        // The user's row first, as notify and deleteUser lock it: one lock order everywhere.
        const [u] = yield* sql`SELECT seq FROM users WHERE app = ${app} AND id = ${user} FOR UPDATE`
        if (u === undefined) return none
        // A read also marks seen what was not: counted as seen too (the user's row is held).
        const [unseen] =
          kind === "read"
            ? yield* sql`SELECT COUNT(*) AS n FROM notifications WHERE app = ${app} AND user_id = ${user}
                AND read_at IS NULL AND seen_at IS NULL ${whichIds(target)}`
            : []
        const rows = yield* markStatement(app, user, kind, target, now)
        if (rows.length === 0) return none
        const pairs = rows.map(
          (r) =>
            [String(r["id"]), Number(r["seq"]), r["call_id"] === null ? null : String(r["call_id"])] as const
        )
        pairs.sort((a, b) => a[1] - b[1])
        const ids = pairs.map((p) => p[0])
        const seq = Number(u["seq"]) + 1
        const payload = encodeMarkFrame(kind, seq, ids)
        yield* sql`WITH s AS (UPDATE users SET seq = ${seq} WHERE app = ${app} AND id = ${user})
          INSERT INTO entries (app, user_id, seq, created_at, payload)
          VALUES (${app}, ${user}, ${seq}, ${now}, ${payload})`
        if (kind === "seen") yield* pgStatsBump(sql, app, now, { seen: ids.length })
        if (kind === "read") {
          yield* pgStatsBump(sql, app, now, { seen: Number(unseen?.["n"] ?? 0), read: ids.length })
        }
        const queued = yield* webhooks.marked(app, user, kind, pairs, now)
        return { ids, entries: [{ user, seq, payload }], queued }
      })
    )

  return { notify, mark }
}
