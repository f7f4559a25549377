/**
 * When a live session's token runs out. REST accepts a token until its `exp`, however far
 * away, so every transport must keep a session open exactly as long (PROTOCOL.md §2). A Node
 * timer cannot wait that long: past 2³¹−1 ms (about 24.8 days) it fires at once, which used to
 * close a WebSocket with 4009 right after `welcome`. These helpers wait in steps a timer can
 * hold and check the clock again at each step.
 */

/** The longest delay a Node timer honours. */
export const MAX_TIMER_MS = 2_147_483_647

/** Milliseconds until a token's expiry (0 when past), clamped to what one timer can hold. */
export const msUntil = (expSeconds: number): number =>
  Math.min(Math.max(0, expSeconds * 1000 - Date.now()), MAX_TIMER_MS)

/**
 * Calls `onExpired` once the token expiring at `expSeconds` has expired, re-arming as often as
 * needed for any future `exp`; the timer never keeps the process alive. Returns a cancel.
 */
export const atExpiry = (expSeconds: number, onExpired: () => void): (() => void) => {
  let timer: NodeJS.Timeout | undefined
  const arm = () => {
    if (expSeconds * 1000 <= Date.now()) return onExpired()
    timer = setTimeout(arm, msUntil(expSeconds))
    timer.unref()
  }
  timer = setTimeout(arm, msUntil(expSeconds))
  timer.unref()
  return () => clearTimeout(timer)
}
