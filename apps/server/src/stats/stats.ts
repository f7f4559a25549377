/**
 * An app's statistics, as a backend (`GET /v1/stats`, `GET /v1/stats/series`) and the operator
 * (`GET /v1/apps/{appId}/stats`, `…/stats/series`, `…/connections`) read them (PROTOCOL.md
 * §3.2, §8): the totals, with who is online now, series of time buckets with the empty ones
 * included, from the stored buckets (statsBuckets.ts), and the live connections, all cluster-wide.
 */
import type { SeriesQuery, StatsInterval, StatsPoint } from "@pushback/protocol"
import { Effect } from "effect"
import { type ApiError, badRequest } from "../http/ApiError.js"
import { Presence } from "../cluster/presence/Presence.js"
import type { StatsRow } from "./StatsStore.js"
import { Store } from "../storage/Store.js"
import { bucketStart } from "./statsBuckets.js"

/** Most points one series answers (PROTOCOL.md §8). */
export const MAX_SERIES_POINTS = 1000

const BUCKET_MS: Record<StatsInterval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }

/** Points of a series when `from` is not given: the last hour, day or 30 days. */
const DEFAULT_POINTS: Record<StatsInterval, number> = { minute: 60, hour: 24, day: 30 }

const EMPTY = {
  notifications: 0,
  delivered: 0,
  seen: 0,
  read: 0,
  emails: 0,
  emailsFailed: 0,
  pushes: 0,
  pushesFailed: 0
}

/** The bucket starts of a range, oldest first, or a 400 when the range is backwards or too long. */
const bucketsOf = (
  interval: StatsInterval,
  from: string,
  to: string
): Effect.Effect<Array<string>, ApiError> => {
  const first = Date.parse(bucketStart(from, interval))
  const last = Date.parse(bucketStart(to, interval))
  if (first > last) return Effect.fail(badRequest("from: must not be after to", "from"))
  const count = (last - first) / BUCKET_MS[interval] + 1
  if (count > MAX_SERIES_POINTS) {
    return Effect.fail(
      badRequest(
        `from: the range holds ${count} ${interval} buckets, more than ${MAX_SERIES_POINTS}; narrow it or use a larger interval`,
        "from"
      )
    )
  }
  return Effect.succeed(
    Array.from({ length: count }, (_, i) => new Date(first + i * BUCKET_MS[interval]).toISOString())
  )
}

/** The series of `app` for a query's `from`, `to` and `interval` (default: hours of the last day). */
export const series = (app: string, q: typeof SeriesQuery.Type) =>
  Effect.gen(function* () {
    const interval = q.interval ?? "hour"
    const to = q.to === undefined ? new Date().toISOString() : new Date(q.to).toISOString()
    const from =
      q.from === undefined
        ? new Date(Date.parse(to) - (DEFAULT_POINTS[interval] - 1) * BUCKET_MS[interval]).toISOString()
        : new Date(q.from).toISOString()
    const buckets = yield* bucketsOf(interval, from, to)
    const rows = yield* (yield* Store).series(app, interval, buckets[0]!, buckets[buckets.length - 1]!)
    const byStart = new Map<string, StatsRow>(rows.map((r) => [r.t, r]))
    const points: Array<StatsPoint> = buckets.map((t) => ({ ...EMPTY, ...byStart.get(t), t }))
    return { interval, points }
  })

/** The app's totals (`GET /v1/stats`): stored counts, and who is online now on any node. */
export const appTotals = (app: string) =>
  Effect.gen(function* () {
    const stored = yield* (yield* Store).stats(app)
    const census = yield* (yield* Presence).census(app)
    return { ...stored, onlineUsers: census.onlineUsers, connections: census.connections }
  })

/** The app's live connections on every node: the census, and each connection's user, transport and node. */
export const connections = (app: string) =>
  Effect.gen(function* () {
    const presence = yield* Presence
    const census = yield* presence.census(app)
    return { ...census, results: yield* presence.connections(app) }
  })
