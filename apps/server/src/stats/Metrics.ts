/**
 * Metrics: process-wide counters rendered in Prometheus text format at `/metrics`.
 * Plain numbers bumped on the hot path; gauges are read from the sessions hub on scrape;
 * histograms (Histogram.ts) of notify time, fan-out, notify→frame delay and commit time.
 */
import { Context, Layer } from "effect"
import { type Histogram, makeHistogram, SECONDS_BUCKETS, SIZE_BUCKETS } from "./Histogram.js"
import type { Durability } from "../storage/Store.js"

/** This node's live sessions by transport and its users with at least one (the hub's census). */
export interface Census {
  readonly connections: number
  readonly onlineUsers: number
  readonly byTransport: Readonly<Record<string, number>>
}

/** Counters kept by the server. */
export interface MetricsShape {
  readonly counters: {
    httpRequests: number
    httpErrors: number
    notifyCalls: number
    notificationsStored: number
    framesSent: number
    sessionsOpened: number
    slowConsumersClosed: number
    busPublished: number
    busReceived: number
    busFailed: number
    sessionsRepaired: number
    emailsSent: number
    emailsFailed: number
    pushesSent: number
    pushesFailed: number
  }
  /** Levels kept by the server. */
  readonly gauges: {
    /** REST requests being handled now (not the event streams); the outbox rests while callers wait (outbox/pacing.ts). */
    httpInFlight: number
  }
  /** Distributions (PROTOCOL.md §8), observed where the work happens. */
  readonly histograms: {
    /** A notify call from its validated request to its answer, in seconds. */
    readonly notifySeconds: Histogram
    /** Recipients of each stored notify call. */
    readonly fanout: Histogram
    /** From a notification's creation to its frame being handed to a live session of this node. */
    readonly notifyToFrameSeconds: Histogram
    /** From handing a write (notify, mark) to the store until it is committed. */
    readonly storeCommitSeconds: Histogram
  }
  /** Renders everything in Prometheus text format, with this node's live sessions (the hub's census). */
  readonly render: (census: Census, durability: Durability) => string
}

/** The Metrics service tag. */
export class Metrics extends Context.Tag("@pushback/server/Metrics")<Metrics, MetricsShape>() {}

const HELP: Record<keyof MetricsShape["counters"], [string, string]> = {
  httpRequests: ["pushback_http_requests_total", "HTTP requests answered"],
  httpErrors: ["pushback_http_errors_total", "HTTP requests answered with a non-2xx status"],
  notifyCalls: ["pushback_notify_calls_total", "Notify calls stored"],
  notificationsStored: ["pushback_notifications_stored_total", "Notifications stored (one per recipient)"],
  framesSent: ["pushback_frames_sent_total", "Stream frames written to sessions"],
  sessionsOpened: ["pushback_sessions_opened_total", "Sessions opened on any transport"],
  slowConsumersClosed: [
    "pushback_slow_consumers_closed_total",
    "Sessions closed for not reading fast enough"
  ],
  busPublished: ["pushback_bus_messages_published_total", "Messages this node published on the Redis bus"],
  busReceived: [
    "pushback_bus_messages_received_total",
    "Messages from other nodes received on the Redis bus"
  ],
  busFailed: [
    "pushback_bus_publish_failures_total",
    "Publishes that failed (Redis unreachable; repaired from storage)"
  ],
  sessionsRepaired: [
    "pushback_sessions_repaired_total",
    "Sessions brought up to storage after a lost wake-up (Redis reconnect, position check, late entry)"
  ],
  emailsSent: ["pushback_emails_sent_total", "Email messages accepted by the SMTP server"],
  emailsFailed: [
    "pushback_emails_failed_total",
    "Email messages given up on (a 5xx answer, or retried for a day)"
  ],
  pushesSent: ["pushback_pushes_sent_total", "Web Push messages accepted by a push service"],
  pushesFailed: [
    "pushback_pushes_failed_total",
    "Web Push messages given up on (the subscription gone, a 4xx answer, or retried for a day)"
  ]
}

/** Builds zeroed metrics. */
export const makeMetrics = (): MetricsShape => {
  const counters: MetricsShape["counters"] = {
    httpRequests: 0,
    httpErrors: 0,
    notifyCalls: 0,
    notificationsStored: 0,
    framesSent: 0,
    sessionsOpened: 0,
    slowConsumersClosed: 0,
    busPublished: 0,
    busReceived: 0,
    busFailed: 0,
    sessionsRepaired: 0,
    emailsSent: 0,
    emailsFailed: 0,
    pushesSent: 0,
    pushesFailed: 0
  }
  const histograms: MetricsShape["histograms"] = {
    notifySeconds: makeHistogram(
      "pushback_notify_duration_seconds",
      "Notify calls from the validated request to the answer",
      SECONDS_BUCKETS
    ),
    fanout: makeHistogram(
      "pushback_notify_fanout_recipients",
      "Recipients of each stored notify call",
      SIZE_BUCKETS
    ),
    notifyToFrameSeconds: makeHistogram(
      "pushback_notify_to_frame_seconds",
      "From a notification's creation to its frame handed to a live session on this node",
      SECONDS_BUCKETS
    ),
    storeCommitSeconds: makeHistogram(
      "pushback_store_commit_seconds",
      "From handing a write (notify, mark) to the store until it is committed",
      SECONDS_BUCKETS
    )
  }
  const gauges: MetricsShape["gauges"] = { httpInFlight: 0 }
  return {
    counters,
    gauges,
    histograms,
    render: (census, durability) => {
      const lines: Array<string> = []
      for (const [key, [name, help]] of Object.entries(HELP)) {
        lines.push(
          `# HELP ${name} ${help}`,
          `# TYPE ${name} counter`,
          `${name} ${counters[key as keyof typeof counters]}`
        )
      }
      lines.push(
        "# HELP pushback_store_commits_total Storage commits (group commit: fewer than write calls under load)",
        "# TYPE pushback_store_commits_total counter",
        `pushback_store_commits_total ${durability.commits}`
      )
      lines.push(
        "# HELP pushback_connections Live sessions on this node by transport",
        "# TYPE pushback_connections gauge"
      )
      for (const [transport, n] of Object.entries(census.byTransport)) {
        lines.push(`pushback_connections{transport="${transport}"} ${n}`)
      }
      lines.push(
        "# HELP pushback_http_requests_in_flight REST requests being handled (event streams not counted)",
        "# TYPE pushback_http_requests_in_flight gauge",
        `pushback_http_requests_in_flight ${gauges.httpInFlight}`
      )
      lines.push(
        "# HELP pushback_online_users Users with at least one live session on this node",
        "# TYPE pushback_online_users gauge",
        `pushback_online_users ${census.onlineUsers}`,
        "# HELP process_resident_memory_bytes Resident memory size in bytes",
        "# TYPE process_resident_memory_bytes gauge",
        `process_resident_memory_bytes ${process.memoryUsage().rss}`
      )
      for (const h of Object.values(histograms)) lines.push(...h.render())
      return `${lines.join("\n")}\n`
    }
  }
}

/** The Metrics layer. */
export const layerMetrics = Layer.sync(Metrics, makeMetrics)
