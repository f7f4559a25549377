/**
 * Per-user order for a whole claim of webhook jobs (PROTOCOL.md §15: "per endpoint, events of
 * one user are sent in the order they happened"), decided once per claim instead of once per
 * job: the claim's endpoints are read once, and one query per endpoint finds each user's
 * earliest queued event. A user's jobs in the claim then go one after the other, in id order:
 * the first only when no earlier event of the user is still queued (else every one waits for
 * it), each next one only after the one before it was sent (else it waits for that one).
 * Jobs of batch endpoints and of no user (`webhook.test`) are not grouped.
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

/** One user's jobs for one endpoint in a claim, in id order. */
export interface UserJobs {
  readonly jobs: Array<OutboxJob>
  /** The user's earliest event still queued for the endpoint when the claim was prepared. */
  readonly first: EarlierJob | undefined
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
  store: Pick<WebhookStoreShape, "get" | "firsts">,
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
      const users = [...new Set(list.flatMap((j) => (j.userId === null ? [] : [j.userId])))]
      if (users.length === 0) continue
      const firsts = yield* store.firsts(app, endpointId, users)
      const byUser = new Map<string, UserJobs>()
      for (const job of [...list].sort(byId)) {
        if (job.userId === null) continue
        let group = byUser.get(job.userId)
        if (group === undefined) {
          group = { jobs: [], first: firsts.get(job.userId), results: new Map(), started: false }
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
 * `attempt` (which must not check the order itself), the others wait for their answer.
 */
export const sendInOrder = (
  group: UserJobs,
  job: OutboxJob,
  attempt: (job: OutboxJob) => Effect.Effect<SendResult>
): Effect.Effect<SendResult> =>
  Effect.gen(function* () {
    if (!group.started) {
      group.started = true
      const head = group.jobs[0]!
      let blocked = group.first !== undefined && group.first.id < head.id ? group.first : undefined
      for (const j of group.jobs) {
        const result =
          blocked === undefined
            ? yield* attempt(j).pipe(
                Effect.catchAllDefect((defect) =>
                  Effect.succeed<SendResult>({ _tag: "Failed", error: String(defect), permanent: true })
                )
              )
            : waitFor(blocked)
        if (blocked === undefined && result._tag === "Failed") {
          blocked = {
            id: j.id,
            held: false,
            dueAt: new Date(Date.now() + (result.retryAfterMs ?? 0)).toISOString()
          }
        }
        yield* Deferred.succeed(group.results.get(j.id)!, result)
      }
    }
    return yield* Deferred.await(group.results.get(job.id)!)
  })
