/**
 * When to retry and how long to wait, as pure functions of the attempt, so the policy can be
 * read and tested on its own: capped exponential backoff with full jitter, and the server's
 * `Retry-After` honoured when it gives one.
 */

/** The numbers of a retry policy (see `TransportOptions`). */
export interface RetryPolicy {
  readonly maxRetries: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly maxRetryAfterMs: number
}

/** Defaults: up to 3 retries, 250 ms base, 10 s cap, `Retry-After` up to 60 s. */
export const DefaultRetryPolicy: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000
}

/**
 * Full-jitter backoff: before retry `retry` (0 for the first), wait a uniformly random time
 * in [0, min(cap, base·2^retry)). Jitter spreads the retries of many clients apart.
 */
export const backoffDelay = (retry: number, policy: RetryPolicy, random: () => number): number => {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry)
  return Math.floor(random() * ceiling)
}

/**
 * Parses a `Retry-After` header (delta-seconds or an HTTP date) into ms from `now`;
 * `undefined` when absent or unreadable. A date in the past is 0.
 */
export const parseRetryAfter = (value: string | null, now: number): number | undefined => {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000)
  // An HTTP date names its day and month ("Wed, 21 Oct 2015 07:28:00 GMT"); anything else
  // (a negative number, a bare year) is not one, however lenient Date.parse is.
  if (!/[a-z]{3}/i.test(trimmed)) return undefined
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/** HTTP statuses worth another attempt: rate limited and every server-side failure. */
export const isRetryableStatus = (status: number): boolean => status === 429 || status >= 500

/**
 * The wait before the next attempt, or `undefined` to give up: the server's `Retry-After`
 * when given (giving up when it is longer than the policy allows), else the backoff.
 */
export const retryDelay = (
  retry: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  random: () => number
): number | undefined => {
  if (retry >= policy.maxRetries) return undefined
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxRetryAfterMs ? retryAfterMs : undefined
  return backoffDelay(retry, policy, random)
}
