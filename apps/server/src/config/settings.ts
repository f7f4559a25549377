/**
 * The shape of a resolved configuration (PROTOCOL.md §4.2 and the limits of §5) and the
 * defaults that are not limits: what every service reads through the Config tag (Config.ts).
 * Plain data, no reading of flags, variables or files.
 */
import type { Limits } from "@pushback/protocol"

/** Resolved settings. */
export interface ServerConfig {
  readonly port: number
  readonly host: string
  /**
   * Where the port and host were set (`--port`, `PUSHBACK_PORT`, `"port" in app.json`), so a
   * failure to listen names what to change; absent: the flags.
   */
  readonly listenFrom?: { readonly port: string; readonly host: string }
  readonly databaseUrl: string
  readonly redisUrl: string | undefined
  /** This node's name in the cluster (Presence, connections by node): `PUSHBACK_NODE_ID`. */
  readonly nodeId: string
  readonly smtpUrl: string | undefined
  /** The From of every email (PROTOCOL.md §7). */
  readonly emailFrom: string
  /** How the email outbox polls and retries. */
  readonly email: EmailTuning
  /** How webhooks are sent (PROTOCOL.md §15): private targets, retries, timeout. */
  readonly webhooks: WebhookTuning
  /** Web Push: VAPID subject and keys, allowed endpoints, outbox tuning (pushSettings.ts). */
  readonly push: PushSettings
  /** Channels' limits and presence timings (channelSettings.ts, PROTOCOL.md §12). */
  readonly channels: ChannelSettings
  readonly adminToken: string
  /** True when the admin token was generated on this start (print it once). */
  readonly adminTokenGenerated: boolean
  readonly dataDir: string
  /** `*` or a list of allowed origins for CORS. */
  readonly corsOrigins: "*" | ReadonlyArray<string>
  /** Most concurrent long-polls one user may hold. */
  readonly maxPollsPerUser: number
  readonly limits: Limits
  readonly version: string
}

/** How the email outbox works: realistic defaults, shortened by tests through the config file. */
export interface EmailTuning {
  /** Most time between two looks for due jobs made by other nodes (local calls wake it at once). */
  readonly pollMs: number
  /** The first retry's delay; each next one doubles, up to `retryMaxMs`. */
  readonly retryMs: number
  readonly retryMaxMs: number
  /** After retrying this long a job fails for good (about a day). */
  readonly retryForSeconds: number
  /** How long a node holds a job it is sending before another may take it over. */
  readonly leaseSeconds: number
}

/** How push is set up. */
export interface PushSettings {
  /** The VAPID `sub`; undefined: no push is sent (said once in the log). */
  readonly vapidSubject: string | undefined
  /** A key pair the operator gave (base64url, as `web-push` makes them); else the database's. */
  readonly publicKey: string | undefined
  readonly privateKey: string | undefined
  /** Host patterns an endpoint may name (`*.mozilla.com`: any subdomain; a plain name: that host). */
  readonly allowedHosts: ReadonlyArray<string>
  /** Endpoints on private, loopback or link-local addresses are accepted (tests only). */
  readonly allowPrivate: boolean
  /** How the outbox polls and retries push jobs (the email tuning's shape). */
  readonly tuning: EmailTuning
}

/** The email tuning defaults. */
export const DefaultEmailTuning: EmailTuning = {
  pollMs: 5_000,
  retryMs: 30_000,
  retryMaxMs: 3_600_000,
  retryForSeconds: 86_400,
  leaseSeconds: 120
}

/** How webhooks are sent: the protocol's defaults, shortened by tests through the config file. */
export interface WebhookTuning {
  /** Allows private, loopback and link-local targets (tests, a private network): off by default. */
  readonly allowPrivate: boolean
  /** The delay before each retry, in seconds (jitter added); after the last, the event fails. */
  readonly retrySeconds: ReadonlyArray<number>
  /** An endpoint that only failed for this long is disabled (5 days). */
  readonly disableAfterSeconds: number
  /** An attempt that has no answer within this long failed. */
  readonly timeoutMs: number
  /** Most time between two looks for events queued by other nodes. */
  readonly pollMs: number
  /** How long a node holds an event it is sending before another may take it over. */
  readonly leaseSeconds: number
  /** How long an online or offline user must stay so before `user.online`/`user.offline` is sent. */
  readonly presenceDebounceMs: number
  /**
   * With several nodes, how often each looks for users announced online whom no node holds any
   * more (their node died): offline at two looks in a row, they get `user.offline`.
   */
  readonly presenceSweepMs: number
  /** How long a rotated-out secret still signs (both signatures are sent). */
  readonly previousSecretSeconds: number
}

/** The webhook defaults (PROTOCOL.md §15). */
export const DefaultWebhookTuning: WebhookTuning = {
  allowPrivate: false,
  retrySeconds: [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400],
  disableAfterSeconds: 5 * 86400,
  timeoutMs: 15_000,
  pollMs: 1_000,
  leaseSeconds: 60,
  presenceDebounceMs: 5_000,
  presenceSweepMs: 10_000,
  previousSecretSeconds: 86400
}

/** The default From of emails. */
export const DEFAULT_EMAIL_FROM = "PushBack <no-reply@localhost>"

/** Flags as given on the command line (strings). */
export interface ConfigFlags {
  readonly port?: string | undefined
  readonly host?: string | undefined
  readonly db?: string | undefined
  readonly redis?: string | undefined
  readonly smtp?: string | undefined
  readonly config?: string | undefined
  /**
   * `serve --local` (what `npm start` runs): listen on 127.0.0.1 unless `--host`, `PUSHBACK_HOST`
   * or the config file says where, so a quick start is not reachable from the network.
   */
  readonly local?: boolean | undefined
}

/** How channels are limited and how their presence beats. */
export interface ChannelSettings {
  /** Largest publication (its `data` serialized), in bytes. */
  readonly publicationBytes: number
  /** Most channels one session subscribes to at once. */
  readonly channelsPerSession: number
  /** Most distinct users subscribed to one channel (its presence members). */
  readonly presenceMembers: number
  /** Publications one session (or, over REST, one user on one node) may make per second. */
  readonly clientPublishPerSecond: number
  /** How often a node beats for its channel members in Redis, in milliseconds. */
  readonly beatMs: number
  /** How long after its last beat a silent node's members leave, in milliseconds (≤ 30 s). */
  readonly lifetimeMs: number
  /** How long a channel's epoch and offset outlive its last publication, in seconds. */
  readonly positionTtlSeconds: number
  /** How long a long-poll client stays a member after its poll ends, in seconds. */
  readonly pollPresenceSeconds: number
  /** How often a node reads every namespace again (changes elsewhere also arrive at once over Redis). */
  readonly namespaceRefreshMs: number
}

/** The defaults: §12's limits, five missed 5 s beats before a dead node's members leave. */
export const DefaultChannelSettings: ChannelSettings = {
  publicationBytes: 16 * 1024,
  channelsPerSession: 100,
  presenceMembers: 10_000,
  clientPublishPerSecond: 20,
  beatMs: 5_000,
  lifetimeMs: 25_000,
  positionTtlSeconds: 86_400,
  pollPresenceSeconds: 10,
  namespaceRefreshMs: 30_000
}
