/**
 * Many notify calls stored together on PostgreSQL (issue 22): the calls that reach a node while
 * its earlier batch commits go as one batch (pgGroupCommit.ts) — ONE statement whatever their
 * number, run as its own transaction: every user locked and their seq moved, then every row of
 * every call, and one WAL flush. Keys (claimed first) and opt-outs (read first) add a round trip
 * each, and only calls with idempotency keys need an explicit transaction around the claim and
 * the statement. Each rule of PROTOCOL.md §6 the one-call path (pgNotify.ts) keeps holds for the
 * batch as a whole:
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
import { notificationEntry, recipientId, SharedBody } from "../../notify/Encode.js"
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

/** A call of a batch before its seqs are known: its answer and recipients (seq = user's new seq + rel). */
interface PlannedCall {
  readonly job: NotifyJob
  readonly response: NotifyResponse
  readonly recipients: ReadonlyArray<{ readonly user: string; readonly id: string; readonly rel: number }>
}

/**
 * The rows of `jobs` (each stored, none answered by a key), without a round trip: every user
 * once with `inc`, the number of calls reaching them (later details win, as calls one after the
 * other would leave them; a user opted out is still registered); and each recipient's place
 * among the user's `inc`, as `rel` (≤ 0) from the user's new seq, so the calls get the seqs in
 * the order they arrived: contiguous, as if they had committed one by one.
 */
const planBatch = (jobs: ReadonlyArray<NotifyJob>, out: ReadonlySet<string>) => {
  const users = new Map<
    string,
    { app: string; id: string; email: string | null; name: string | null; at: string; inc: number }
  >()
  const placed: Array<{
    job: NotifyJob
    online: number
    recipients: Array<{ user: string; id: string; k: string; nth: number }>
  }> = []
  for (const job of jobs) {
    const { app, fields } = job
    const onlineNow = new Set(job.online)
    const recipients: Array<{ user: string; id: string; k: string; nth: number }> = []
    let online = 0
    for (const u of job.users!) {
      const k = pair(app, u.id)
      let row = users.get(k)
      if (row === undefined) {
        row = { app, id: u.id, email: u.email ?? null, name: u.name ?? null, at: fields.createdAt, inc: 0 }
        users.set(k, row)
      } else {
        if (u.email !== undefined) row.email = u.email
        if (u.name !== undefined) row.name = u.name
      }
      if (fields.type !== null && out.has(`${k}\u0000${fields.type}`)) continue
      row.inc++
      recipients.push({ user: u.id, id: recipientId(job.stem, recipients.length), k, nth: row.inc })
      if (onlineNow.has(u.id)) online++
    }
    placed.push({ job, online, recipients })
  }
  const r = {
    app: [] as Array<string>,
    id: [] as Array<string>,
    user: [] as Array<string>,
    call: [] as Array<string>,
    rel: [] as Array<number>,
    at: [] as Array<string>
  }
  const calls = placed.map(({ job, online, recipients }): PlannedCall => {
    const planned = recipients.map(({ user, id, k, nth }) => {
      const rel = nth - users.get(k)!.inc
      r.app.push(job.app)
      r.id.push(id)
      r.user.push(user)
      r.call.push(job.callId)
      r.rel.push(rel)
      r.at.push(job.fields.createdAt)
      return { user, id, rel }
    })
    const response: NotifyResponse = {
      id: job.callId,
      recipients: planned.length,
      online,
      emails: 0,
      pushes: 0
    }
    return { job, response, recipients: planned }
  })
  return { users: [...users.values()], r, calls }
}

/** The batch's notify over `sql`: one statement, after the keys' claim and the opt-outs' read when there are any. */
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

  /** Stores `jobs` (distinct call ids); one outcome per job, in order. In a transaction when any has a key. */
  const notifyBatch = (jobs: ReadonlyArray<NotifyJob>) =>
    Effect.gen(function* () {
      const outcomes: Array<NotifyOutcome | undefined> = new Array(jobs.length)
      const { rows: keyRows, followers } = yield* claimKeys(jobs, outcomes)
      const following = new Set(followers.map(([i]) => i))
      const live = jobs.filter((_, i) => outcomes[i] === undefined && !following.has(i))
      const out = yield* optedOut(live)
      const { users, r, calls } = planBatch(live, out)
      const keys = { app: [] as Array<string>, key: [] as Array<string>, response: [] as Array<string> }
      for (const { job, response } of calls) {
        if (job.idempotency === undefined) continue
        keys.app.push(job.app)
        keys.key.push(job.idempotency.key)
        keys.response.push(JSON.stringify(response))
        keyRows.set(pair(job.app, job.idempotency.key), {
          hash: job.idempotency.bodyHash,
          response: JSON.stringify(response)
        })
      }
      const c = (f: (call: PlannedCall) => unknown) => calls.map(f)
      const stats = pgStatsBumpRows(
        sql,
        calls.map(({ job, response }) => ({
          app: job.app,
          at: job.fields.createdAt,
          counts: { notifications: response.recipients }
        }))
      )
      // ONE statement: every user locked in (app, id) order and their seq moved, then every row of
      // every call — recipients with seq = the user's new seq + rel, entries, keys' answers, calls.
      const moved =
        calls.length === 0
          ? []
          : yield* sql`WITH u AS (
          INSERT INTO users (app, id, email, name, created_at, seq)
          SELECT x.app, x.id, x.email, x.name, x.created_at, x.inc
          FROM unnest(${users.map((u) => u.app)}::text[], ${users.map((u) => u.id)}::text[],
            ${users.map((u) => u.email)}::text[], ${users.map((u) => u.name)}::text[],
            ${users.map((u) => u.at)}::text[], ${users.map((u) => u.inc)}::int[])
            AS x(app, id, email, name, created_at, inc)
          ORDER BY x.app COLLATE "C", x.id COLLATE "C"
          ON CONFLICT (app, id) DO UPDATE SET seq = users.seq + excluded.seq,
            email = COALESCE(excluded.email, users.email), name = COALESCE(excluded.name, users.name)
          RETURNING app, id, seq
        ), r AS (
          SELECT x.app, x.id, x.user_id, x.call_id, u.seq + x.rel AS seq, x.created_at
          FROM unnest(${r.app}::text[], ${r.id}::text[], ${r.user}::text[], ${r.call}::text[],
            ${r.rel}::int[], ${r.at}::text[]) AS x(app, id, user_id, call_id, rel, created_at)
          JOIN u ON u.app = x.app AND u.id = x.user_id
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
        ), s AS (${stats}), c AS (
          INSERT INTO notify_calls (app, id, email, recipients, online, created_at,
            type, title, content, url, icon, image, data, author, shared, push, emails_skipped)
          SELECT c.*, 0 FROM unnest(${c((x) => x.job.app)}::text[], ${c((x) => x.job.callId)}::text[],
            ${c((x) => x.job.email)}::text[], ${c((x) => x.response.recipients)}::int[],
            ${c((x) => x.response.online)}::int[], ${c((x) => x.job.fields.createdAt)}::text[],
            ${c((x) => x.job.fields.type)}::text[], ${c((x) => x.job.fields.title)}::text[],
            ${c((x) => x.job.fields.content)}::text[], ${c((x) => x.job.fields.url)}::text[],
            ${c((x) => x.job.fields.icon)}::text[], ${c((x) => x.job.fields.image)}::text[],
            ${c((x) => x.job.fields.data)}::text[], ${c((x) => x.job.fields.author)}::text[],
            ${c((x) => x.job.shared)}::text[], ${c((x) => x.job.push ?? null)}::text[]) AS c
        )
        SELECT app, id, seq FROM u`
      const newSeq = new Map<string, number>()
      for (const m of moved) newSeq.set(pair(String(m["app"]), String(m["id"])), Number(m["seq"]))
      let at = 0
      for (const { job, response, recipients } of calls) {
        const body = new SharedBody(job.shared)
        const entries = recipients.map(({ user, id, rel }) =>
          notificationEntry(newSeq.get(pair(job.app, user))! + rel, id, user, body)
        )
        while (jobs[at] !== job) at++
        outcomes[at] = { _tag: "Stored", response, entries }
      }
      for (const [i, k] of followers) outcomes[i] = answerOf(keyRows.get(k)!, jobs[i]!.idempotency!.bodyHash)
      return outcomes as Array<NotifyOutcome>
    })

  return { notifyBatch }
}
