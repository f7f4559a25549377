/**
 * Reconnect delays: full-jitter exponential backoff with a cap, as a pure function of the
 * attempt (centrifuge-js `backoff`, AWS "full jitter"), so tests can check its bounds
 * without a clock and many clients that lost the same server do not come back in step.
 */

/**
 * The delay before reconnect attempt `attempt` (0 for the first): a uniformly random
 * whole number of milliseconds in `[0, min(max, min · 2^attempt))`.
 */
export const backoff = (attempt: number, min: number, max: number, random: () => number): number =>
  Math.floor(random() * Math.min(max, min * 2 ** attempt))
