/**
 * Per-user order for a whole claim of webhook jobs (PROTOCOL.md §15: "per endpoint, events of
 * one user are sent in the order they happened"), decided once per claim instead of once per
 * job: the claim's endpoints are read once, and one query per endpoint reads its users' queued
 * events up to the claim's last. A user's jobs in the claim then go one after the other, in id
 * order, each only when every event of that user queued before it is one this claim has sent —
 * an earlier one another node holds, or one waiting for a retry, holds back the rest (they wait
 * for it). Jobs of batch endpoints and of no user (`webhook.test`) are not grouped, nor are the
 * jobs of an endpoint with more queued events than MAX_QUEUED: those check their order one by one.
 */
import { Deferred, Effect } from "effect"
import type { OutboxJob } from "../outbox/OutboxStore.js"
import type { SendResult } from "../outbox/Sender.js"
import { type EarlierJob, type EndpointRecord, partsOfJobId, type WebhookStoreShape } from "./WebhookStore.js"

/** How long a job waits for an earlier event of its user that a node is sending right now. */
export const IN_FLIGHT_WAIT_MS = 200

/** What a job answers while an earlier event of its user (`before`) is still to be sent. */
export const waitFor = (before: EarlierJob): SendResult => ({
  _tag: "Failed",
  error: `waiting for ${before.id}`,
  permanent: false,
  retryAfterMs: before.held
    ? IN_FLIGHT_WAIT_MS
    : Math.max(IN_FLIGHT_WAIT_MS, Date.parse(before.dueAt) - Date.now())
})

/** Most queued events read for one endpoint of a claim. */
const MAX_QUEUED = 2000

/** One user's jobs for one endpoint in a claim, in id order. */
export interface UserJobs {
  readonly jobs: Array<OutboxJob>
  /** The user's events queued for the endpoint up to the last of `jobs`, in id order, these included. */
  readonly queued: ReadonlyArray<EarlierJob>
  readonly results: Map<string, Deferred.Deferred<SendResult>>
  started: boolean
}

/** A prepared claim: its endpoints (undefined: deleted) and the group of each grouped job. */
export interface PreparedClaim {
  readonly endpoints: ReadonlyMap<string, EndpointRecord | undefined>
  readonly groups: ReadonlyMap<string, UserJobs>
}

/** The key of an endpoint in `PreparedClaim.endpoints`. */
export const endpointKey = (app: string, endpointId: string): string => `${app}\n${endpointId}`

const byId = (a: OutboxJob, b: OutboxJob) => (a.id < b.id ? -1 : 1)

/** Reads what the claim `jobs` needs: each endpoint once, each endpoint's users' first events at once. */
export const prepareClaim = (
  store: Pick<WebhookStoreShape, "get" | "queuedOf">,
  jobs: ReadonlyArray<OutboxJob>
): Effect.Effect<PreparedClaim> =>
  Effect.gen(function* () {
    const byEndpoint = new Map<string, Array<OutboxJob>>()
    for (const job of jobs) {
      const key = endpointKey(job.app, partsOfJobId(job.id).endpointId)
      const list = byEndpoint.get(key)
      if (list === undefined) byEndpoint.set(key, [job])
      else list.push(job)
    }
    const endpoints = new Map<string, EndpointRecord | undefined>()
    const groups = new Map<string, UserJobs>()
    for (const [key, list] of byEndpoint) {
      const [app = "", endpointId = ""] = key.split("\n")
      const endpoint = yield* store.get(app, endpointId)
      endpoints.set(key, endpoint)
      if (endpoint === undefined || endpoint.batch) continue
      const sorted = [...list].sort(byId)
      const users = [...new Set(sorted.flatMap((j) => (j.userId === null ? [] : [j.userId])))]
      if (users.length === 0) continue
      const queued = yield* store.queuedOf(app, endpointId, users, sorted.at(-1)!.id, MAX_QUEUED)
      if (queued === undefined) continue
      const byUser = new Map<string, UserJobs>()
      for (const job of sorted) {
        if (job.userId === null) continue
        let group = byUser.get(job.userId)
        if (group === undefined) {
          group = { jobs: [], queued: queued.get(job.userId) ?? [], results: new Map(), started: false }
          byUser.set(job.userId, group)
        }
        group.jobs.push(job)
        group.results.set(job.id, yield* Deferred.make<SendResult>())
        groups.set(job.id, group)
      }
    }
    return { endpoints, groups }
  })

/**
 * `job`'s result: the first of its group to get here sends the whole group in order with
 * `attempt` (which must not check the order itself), the others wait for their answer. A job
 * goes only when every event queued before it was sent by this run; the first that was not
 * (another node's, a retry's, one of the group that failed) holds back the rest.
 */
export const sendInOrder = (
  group: UserJobs,
  job: OutboxJob,
  attempt: (job: OutboxJob) => Effect.Effect<SendResult>
): Effect.Effect<SendResult> =>
  Effect.gen(function* () {
    if (!group.started) {
      group.started = true
      const sent = new Set<string>()
      let blocked: EarlierJob | undefined
      for (const j of group.jobs) {
        blocked ??= group.queued.find((q) => q.id < j.id && !sent.has(q.id))
        const result =
          blocked === undefined
            ? yield* attempt(j).pipe(
                Effect.catchAllDefect((defect) =>
                  Effect.succeed<SendResult>({ _tag: "Failed", error: String(defect), permanent: true })
                )
              )
            : waitFor(blocked)
        if (result._tag === "Sent") sent.add(j.id)
        else if (blocked === undefined) {
          const wait = result._tag === "Failed" ? (result.retryAfterMs ?? 0) : 0
          blocked = { id: j.id, held: false, dueAt: new Date(Date.now() + wait).toISOString() }
        }
        yield* Deferred.succeed(group.results.get(j.id)!, result)
      }
    }
    return yield* Deferred.await(group.results.get(job.id)!)
  })
