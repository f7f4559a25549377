/**
 * The default limits of PROTOCOL.md §5, in one place so the server's config, the SDKs and
 * the docs agree. Every one of them is configurable on the server.
 */

/** Default limits (bytes, counts and seconds). */
export const DefaultLimits = {
  /** Largest accepted HTTP request body. */
  requestBodyBytes: 256 * 1024,
  /** Largest request line and headers together; longer: 431 (PROTOCOL.md §10). */
  requestHeaderBytes: 16 * 1024,
  /** Largest notification once serialized. */
  notificationBytes: 64 * 1024,
  /** Most users named in one notify call. */
  usersPerNotify: 10_000,
  /** Largest incoming WebSocket frame. */
  wsFrameBytes: 16 * 1024,
  /** Unsent data queued for one session before it is closed with 4008. */
  sessionQueueBytes: 1024 * 1024,
  /** Default user token lifetime. */
  tokenTtlSeconds: 3600,
  /** Longest user token lifetime. */
  maxTokenTtlSeconds: 24 * 3600,
  /** Stream entries are kept this long... */
  retentionDays: 7,
  /** ...and at most this many per user. */
  retentionEntries: 10_000,
  /** Notify calls per app per second (burst), then 429. */
  notifyPerSecond: 1000,
  /** How long an idempotency key is remembered. */
  idempotencyTtlSeconds: 24 * 3600,
  /** Default and largest page of a notification list. */
  pageLimit: 20,
  maxPageLimit: 100,
  /** Default and largest `wait` of a long-poll, in seconds. */
  pollWaitSeconds: 25,
  maxPollWaitSeconds: 60,
  /** Server ping / SSE heartbeat interval, and when a silent peer is dropped. */
  heartbeatSeconds: 25,
  deadPeerSeconds: 60,
  /** Statistics buckets are kept this long: minutes, hours, days (PROTOCOL.md §8). */
  statsMinuteDays: 7,
  statsHourDays: 90,
  statsDayDays: 730,
  /** Longest user id, event type name and idempotency key. */
  maxUserIdLength: 128,
  maxTypeNameLength: 64,
  maxIdempotencyKeyLength: 255
} as const

/** The shape of the limits object. */
export type Limits = { -readonly [K in keyof typeof DefaultLimits]: number }
