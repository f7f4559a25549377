/**
 * What a client is configured with. Everything besides the URL and the credential has a
 * default; the platform functions (`fetch`, `sleep`, `random`, `now`) come in as options so the
 * same client runs under any runtime and tests can make retries instant and deterministic.
 */

/** The part of `fetch`'s init the SDK uses. */
export interface FetchInit {
  readonly method: string
  readonly headers: Record<string, string>
  readonly body?: string
  readonly signal: AbortSignal
}

/** The part of a `fetch` `Response` the SDK reads; a real `Response` fits. */
export interface FetchResponse {
  readonly status: number
  readonly headers: { get(name: string): string | null }
  text(): Promise<string>
}

/** A `fetch`-compatible function; the global `fetch` fits. */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>

/** How requests are sent, timed out and retried. */
export interface TransportOptions {
  /** Default: the global `fetch`. */
  readonly fetch?: FetchLike
  /** Per-attempt timeout in ms, covering the whole answer (headers and body). Default 10 000. */
  readonly timeoutMs?: number
  /** Retries after the first attempt, for the calls that may retry. Default 3; 0 disables. */
  readonly maxRetries?: number
  /** Backoff base: retry n waits a random time in [0, min(cap, base·2ⁿ)). Default 250 ms. */
  readonly retryBaseDelayMs?: number
  /** Backoff cap. Default 10 000 ms. */
  readonly retryMaxDelayMs?: number
  /**
   * Longest `Retry-After` the SDK waits out; a longer one fails the call at once with the
   * server's error (e.g. `rate_limited`) instead of stalling it. Default 60 000 ms.
   */
  readonly maxRetryAfterMs?: number
  /** Waits between retries. Default: `setTimeout`. */
  readonly sleep?: (ms: number) => Promise<void>
  /** Uniform in [0, 1), for the backoff jitter. Default: `Math.random`. */
  readonly random?: () => number
  /** Current time in ms since the epoch, for token `iat`/`exp` and `Retry-After` dates. Default: `Date.now`. */
  readonly now?: () => number
}

/** Options of {@link PushBack}: the server URL and the app secret are all a backend needs. */
export interface PushBackOptions extends TransportOptions {
  /** Base URL of the PushBack server, e.g. `https://push.example.com`. */
  readonly url: string
  /** The app secret (`app_….…`); it also names the app. Keep it on the server side. */
  readonly secret: string
}

/** Options of {@link PushBackAdmin}. */
export interface AdminOptions extends TransportOptions {
  /** Base URL of the PushBack server. */
  readonly url: string
  /** The operator's admin token (`PUSHBACK_ADMIN_TOKEN`). */
  readonly adminToken: string
}
