/**
 * The outbox gives way to the request path while requests queue at this node (issue 25:
 * "webhooks must not slow the notify path"). An email, a push or a webhook is background work
 * that may come a little later; a notify call and its frames may not. On one event loop (and
 * one writer) the two compete, so while at least BUSY_IN_FLIGHT REST requests are being handled
 * at once — callers are waiting on this node — the worker rests after each round that sent
 * jobs, so that its rounds take at most SHARE of the time. It never stops: a round still goes at
 * least every MAX_PAUSE_MS, so under a load that never ends the jobs go slower, not never. With
 * few requests at a time (whatever the outbox itself keeps busy: a backlog draining) it does not
 * rest. Resting loses and reorders nothing: the jobs stay rows until they are sent. The event
 * streams (WebSocket, SSE, long-poll) are not requests in flight: they are open for hours.
 */

/** REST requests handled at once from which callers count as waiting on this node. */
export const BUSY_IN_FLIGHT = 8

/** The most of the time the outbox's rounds take while callers wait. */
export const SHARE = 0.2

/** The longest rest after a round: jobs keep going under any load. */
export const MAX_PAUSE_MS = 5_000

/** How the worker paces itself: how long to rest after a round of `roundMs` that sent jobs. */
export interface Pacing {
  readonly restAfter: (roundMs: number) => number
}

/** Never rests (tests of the worker's own rules). */
export const unpaced: Pacing = { restAfter: () => 0 }

/** Pacing on `inFlight`, the REST requests this node is handling right now. */
export const makePacing = (inFlight: () => number): Pacing => ({
  restAfter: (roundMs) =>
    inFlight() < BUSY_IN_FLIGHT ? 0 : Math.min(MAX_PAUSE_MS, Math.round(roundMs * (1 / SHARE - 1)))
})
