/**
 * Push's part of a notify call read back (`GET /v1/notify/{callId}`, PROTOCOL.md §14): the
 * call's push counts (messages: queued, sent, failed; recipients skipped for having no
 * subscription) and each recipient's pushes as one state — sent when one of them was, queued
 * while one is under way, failed when all failed — with the last error while it matters.
 */
import { SqlClient } from "@effect/sql"
import type { CallRecipient, NotifyCall, PushState } from "@pushback/protocol"
import { Effect } from "effect"
import type { EmailCall } from "../email/emailStore.js"
import { PUSH } from "./PushStore.js"

const RANK: Record<PushState, number> = { none: 0, failed: 1, queued: 2, sent: 3 }

/** An outbox state as a push state (a cancelled job is no push). */
const stateOf = (state: string): PushState =>
  state === "queued" || state === "sent" || state === "failed" ? state : "none"

/** The call read by email with its pushes added, on the SqlClient in context. */
export const makePushCalls = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return (app: string, call: EmailCall): Effect.Effect<NotifyCall> =>
    Effect.gen(function* () {
      const [c] = yield* sql`SELECT pushes_skipped FROM notify_calls WHERE app = ${app} AND id = ${call.id}`
      const jobs = yield* sql`SELECT notification_id, state, last_error FROM outbox
        WHERE app = ${app} AND call_id = ${call.id} AND kind = ${PUSH}`
      const push = { queued: 0, sent: 0, failed: 0, skipped: Number(c?.["pushes_skipped"] ?? 0) }
      const byNotification = new Map<string, { state: PushState; error: string | null }>()
      for (const j of jobs) {
        const state = stateOf(String(j["state"]))
        if (state !== "none") push[state]++
        const id = String(j["notification_id"])
        const error = j["last_error"] === null ? null : String(j["last_error"])
        const was = byNotification.get(id)
        if (was === undefined || RANK[state] > RANK[was.state]) byNotification.set(id, { state, error })
      }
      const results = call.results.map((r): CallRecipient => {
        const p = byNotification.get(r.notification)
        const state = p?.state ?? "none"
        return {
          ...r,
          push: state,
          ...(p?.error != null && (state === "queued" || state === "failed") ? { pushError: p.error } : {})
        }
      })
      return { ...call, push, results }
    }).pipe(Effect.orDie)
})
