/**
 * Many notify calls in one PostgreSQL transaction of set-based statements (issue 22): the calls
 * that reach a node while earlier ones commit are stored together (pgGroupCommit.ts), in four
 * round trips whatever their number — keys claimed, opt-outs read, users locked and their seqs
 * moved, then every row of every call in one statement — and one WAL flush. Each rule of
 * PROTOCOL.md §6 the one-call path (pgNotify.ts) keeps holds for the batch as a whole:
 * - idempotency keys are claimed first, all of the batch's in (app, key) order; a key twice in
 *   one batch is claimed once and the later calls answer as if they came after the first;
 * - every user row of the batch is locked in one statement, in (app, id) `COLLATE "C"` order —
 *   the order the one-call path, marks and broadcasts lock in — so batches on several nodes
 *   queue and never deadlock;
 * - a user's `seq` moves by the number of calls of the batch that reach them, and the calls get
 *   those seqs in the order they arrived: contiguous, as if they had committed one by one.
 * Calls with outbox work (email, push), broadcasts, topics and exclusions take the one-call path.
 */
import type { SqlClient } from "@effect/sql"
import type { NotifyResponse } from "@pushback/protocol"
import { Effect } from "effect"
import { notificationEntry, recipientId, SharedBody, type StreamEntry } from "../../notify/Encode.js"
import type { NotifyJob, NotifyOutcome } from "../../notify/NotifyStore.js"
import { pgStatsBumpRows } from "../../stats/pgBuckets.js"

type Sql = SqlClient.SqlClient

/** Whether a call can be stored in a shared batch: named users, and nothing for the outbox. */
export const batchable = (job: NotifyJob): boolean =>
  job.users !== undefined &&
  job.topics === undefined &&
  job.exclude === undefined &&
  job.emailPlan === undefined &&
  job.pushPlan === undefined

/** A key of an (app, id) pair; PostgreSQL text never holds U+0000, so it cannot be ambiguous. */
const pair = (app: string, id: string) => `${app}\u0000${id}`

/** The stored state of an idempotency key: its body hash and first answer. */
interface KeyRow {
  readonly hash: string | null
  readonly response: string
}

/** What a key's earlier row answers to a call with body hash `hash` (as pgNotify's claimKey). */
const answerOf = (row: KeyRow, hash: string): NotifyOutcome =>
  row.hash !== null && row.hash !== hash
    ? { _tag: "Conflict" }
    : { _tag: "Repeated", response: JSON.parse(row.response) as NotifyResponse }

/** The batch's notify over `sql`; run it inside one transaction. */
export const makePgNotifyBatch = (sql: Sql) => {
  /** Claims the batch's keys; answers the calls whose key was used before (leaders resolved, followers listed). */
  const claimKeys = (jobs: ReadonlyArray<NotifyJob>, outcomes: Array<NotifyOutcome | undefined>) =>
    Effect.gen(function* () {
      const leaders = new Map<string, number>()
      const followers: Array<[number, string]> = []
      jobs.forEach((job, i) => {
        if (job.idempotency === undefined) return
        const k = pair(job.app, job.idempotency.key)
        if (leaders.has(k)) followers.push([i, k])
        else leaders.set(k, i)
      })
      const rows = new Map<string, KeyRow>()
      if (leaders.size === 0) return { rows, followers }
      const lead = [...leaders.values()].map((i) => jobs[i]!)
      // The earliest of the batch's cut-offs (ISO times sort as text): a key is forgotten for none too soon.
      const notBefore = lead.map((j) => j.idempotency!.notBefore).sort()[0]!
      const claimed = yield* sql`INSERT INTO idempotency_keys (app, key, response, created_at, body_hash)
        SELECT k.app, k.key, '', k.created_at, k.body_hash
        FROM unnest(${lead.map((j) => j.app)}::text[], ${lead.map((j) => j.idempotency!.key)}::text[],
          ${lead.map((j) => j.fields.createdAt)}::text[], ${lead.map((j) => j.idempotency!.bodyHash)}::text[])
          AS k(app, key, created_at, body_hash)
        ORDER BY k.app COLLATE "C", k.key COLLATE "C"
        ON CONFLICT (app, key) DO UPDATE SET response = '', created_at = excluded.created_at,
          body_hash = excluded.body_hash
        WHERE idempotency_keys.created_at < ${notBefore}
        RETURNING app, key`
      const mine = new Set(claimed.map((r) => pair(String(r["app"]), String(r["key"]))))
      const used = lead.filter((j) => !mine.has(pair(j.app, j.idempotency!.key)))
      if (used.length > 0) {
        const prior = yield* sql`SELECT i.app, i.key, i.response, i.body_hash FROM idempotency_keys i
          JOIN unnest(${used.map((j) => j.app)}::text[], ${used.map((j) => j.idempotency!.key)}::text[])
            AS k(app, key) ON i.app = k.app AND i.key = k.key`
        for (const r of prior) {
          const hash = r["body_hash"] as string | null
          rows.set(pair(String(r["app"]), String(r["key"])), { hash, response: String(r["response"]) })
        }
      }
      for (const [k, i] of leaders) {
        const row = rows.get(k)
        if (row !== undefined) outcomes[i] = answerOf(row, jobs[i]!.idempotency!.bodyHash)
      }
      return { rows, followers }
    })

  /** Recipients opted out of a call's type in-app, as `app \0 user \0 type`. */
  const optedOut = (jobs: ReadonlyArray<NotifyJob>) =>
    Effect.gen(function* () {
      const apps: Array<string> = []
      const users: Array<string> = []
      const types: Array<string> = []
      for (const job of jobs) {
        if (job.fields.type === null) continue
        for (const u of job.users!) {
          apps.push(job.app)
          users.push(u.id)
          types.push(job.fields.type)
        }
      }
      const out = new Set<string>()
      if (apps.length === 0) return out
      const rows = yield* sql`SELECT DISTINCT p.app, p.user_id, p.type FROM preferences p
        JOIN unnest(${apps}::text[], ${users}::text[], ${types}::text[]) AS r(app, user_id, type)
          ON p.app = r.app AND p.user_id = r.user_id AND p.type = r.type
        WHERE p.in_app = 0`
      for (const r of rows)
        out.add(`${pair(String(r["app"]), String(r["user_id"]))}\u0000${String(r["type"])}`)
      return out
    })

  /** Registers every user of the batch and moves their seq, rows locked in (app, id) order; their new seqs. */
  const lockUsers = (jobs: ReadonlyArray<NotifyJob>, out: ReadonlySet<string>) =>
    Effect.gen(function* () {
      const rows = new Map<
        string,
        { app: string; id: string; email: string | null; name: string | null; at: string; inc: number }
      >()
      for (const job of jobs) {
        for (const u of job.users!) {
          const k = pair(job.app, u.id)
          const skip = job.fields.type !== null && out.has(`${k}\u0000${job.fields.type}`)
          const row = rows.get(k)
          if (row === undefined) {
            const { app, fields } = job
            rows.set(k, {
              app,
              id: u.id,
              email: u.email ?? null,
              name: u.name ?? null,
              at: fields.createdAt,
              inc: 0
            })
          } else {
            // Later details win, as the calls one after the other would leave them.
            if (u.email !== undefined) row.email = u.email
            if (u.name !== undefined) row.name = u.name
          }
          if (!skip) rows.get(k)!.inc++
        }
      }
      const all = [...rows.values()]
      const moved = yield* sql`INSERT INTO users (app, id, email, name, created_at, seq)
        SELECT r.app, r.id, r.email, r.name, r.created_at, r.inc
        FROM unnest(${all.map((r) => r.app)}::text[], ${all.map((r) => r.id)}::text[],
          ${all.map((r) => r.email)}::text[], ${all.map((r) => r.name)}::text[],
          ${all.map((r) => r.at)}::text[], ${all.map((r) => r.inc)}::int[]) AS r(app, id, email, name, created_at, inc)
        ORDER BY r.app COLLATE "C", r.id COLLATE "C"
        ON CONFLICT (app, id) DO UPDATE SET seq = users.seq + excluded.seq,
          email = COALESCE(excluded.email, users.email), name = COALESCE(excluded.name, users.name)
        RETURNING app, id, seq`
      // The first seq of the batch's for each user: their last minus how many calls reach them, plus one.
      const next = new Map<string, number>()
      for (const r of moved) {
        const k = pair(String(r["app"]), String(r["id"]))
        next.set(k, Number(r["seq"]) - rows.get(k)!.inc + 1)
      }
      return next
    })

  /** Stores `jobs` (distinct call ids) in the current transaction; one outcome per job, in order. */
  const notifyBatch = (jobs: ReadonlyArray<NotifyJob>) =>
    Effect.gen(function* () {
      const outcomes: Array<NotifyOutcome | undefined> = new Array(jobs.length)
      const { rows: keyRows, followers } = yield* claimKeys(jobs, outcomes)
      const following = new Set(followers.map(([i]) => i))
      const live = jobs.filter((_, i) => outcomes[i] === undefined && !following.has(i))
      const out = yield* optedOut(live)
      const next = live.length === 0 ? new Map<string, number>() : yield* lockUsers(live, out)
      const r = {
        app: [] as Array<string>,
        id: [] as Array<string>,
        user: [] as Array<string>,
        call: [] as Array<string>
      }
      const seqs: Array<number> = []
      const at: Array<string> = []
      const keys = { app: [] as Array<string>, key: [] as Array<string>, response: [] as Array<string> }
      const calls: Array<{ job: NotifyJob; response: NotifyResponse }> = []
      jobs.forEach((job, j) => {
        if (outcomes[j] !== undefined || following.has(j)) return
        const { app, fields, callId } = job
        const onlineNow = new Set(job.online)
        const body = new SharedBody(job.shared)
        const entries: Array<StreamEntry> = []
        let online = 0
        for (const u of job.users!) {
          const k = pair(app, u.id)
          if (fields.type !== null && out.has(`${k}\u0000${fields.type}`)) continue
          const seq = next.get(k)!
          next.set(k, seq + 1)
          const id = recipientId(job.stem, entries.length)
          entries.push(notificationEntry(seq, id, u.id, body))
          r.app.push(app)
          r.id.push(id)
          r.user.push(u.id)
          r.call.push(callId)
          seqs.push(seq)
          at.push(fields.createdAt)
          if (onlineNow.has(u.id)) online++
        }
        const response: NotifyResponse = {
          id: callId,
          recipients: entries.length,
          online,
          emails: 0,
          pushes: 0
        }
        if (job.idempotency !== undefined) {
          keys.app.push(app)
          keys.key.push(job.idempotency.key)
          keys.response.push(JSON.stringify(response))
          keyRows.set(pair(app, job.idempotency.key), {
            hash: job.idempotency.bodyHash,
            response: JSON.stringify(response)
          })
        }
        calls.push({ job, response })
        outcomes[j] = { _tag: "Stored", response, entries }
      })
      for (const [i, k] of followers) outcomes[i] = answerOf(keyRows.get(k)!, jobs[i]!.idempotency!.bodyHash)
      if (calls.length === 0) return outcomes as Array<NotifyOutcome>
      const c = (f: (call: { job: NotifyJob; response: NotifyResponse }) => unknown) => calls.map(f)
      const stats = pgStatsBumpRows(
        sql,
        calls.map(({ job, response }) => ({
          app: job.app,
          at: job.fields.createdAt,
          counts: { notifications: response.recipients }
        }))
      )
      // Every row of every call in one statement: recipients, their entries, the keys' answers, the calls.
      yield* sql`WITH r AS (
          SELECT * FROM unnest(${r.app}::text[], ${r.id}::text[], ${r.user}::text[], ${r.call}::text[],
            ${seqs}::int[], ${at}::text[]) AS r(app, id, user_id, call_id, seq, created_at)
        ), n AS (
          INSERT INTO notifications (app, id, user_id, call_id, seq, created_at)
          SELECT app, id, user_id, call_id, seq, created_at FROM r
        ), e AS (
          INSERT INTO entries (app, user_id, seq, created_at, call_id, ntf_id)
          SELECT app, user_id, seq, created_at, call_id, id FROM r
        ), k AS (
          UPDATE idempotency_keys i SET response = k.response
          FROM unnest(${keys.app}::text[], ${keys.key}::text[], ${keys.response}::text[]) AS k(app, key, response)
          WHERE i.app = k.app AND i.key = k.key
        ), s AS (${stats})
        INSERT INTO notify_calls (app, id, email, recipients, online, created_at,
          type, title, content, url, icon, image, data, author, shared, push, emails_skipped)
        SELECT c.*, 0 FROM unnest(${c((x) => x.job.app)}::text[], ${c((x) => x.job.callId)}::text[],
          ${c((x) => x.job.email)}::text[], ${c((x) => x.response.recipients)}::int[],
          ${c((x) => x.response.online)}::int[], ${c((x) => x.job.fields.createdAt)}::text[],
          ${c((x) => x.job.fields.type)}::text[], ${c((x) => x.job.fields.title)}::text[],
          ${c((x) => x.job.fields.content)}::text[], ${c((x) => x.job.fields.url)}::text[],
          ${c((x) => x.job.fields.icon)}::text[], ${c((x) => x.job.fields.image)}::text[],
          ${c((x) => x.job.fields.data)}::text[], ${c((x) => x.job.fields.author)}::text[],
          ${c((x) => x.job.shared)}::text[], ${c((x) => x.job.push ?? null)}::text[]) AS c`
      return outcomes as Array<NotifyOutcome>
    })

  return { notifyBatch }
}
