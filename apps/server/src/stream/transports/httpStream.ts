/**
 * What the two HTTP transports, SSE (`GET /v1/sse`) and long-poll (`GET /v1/poll`), share:
 * they are plain GET requests that outlive a REST call, so they skip the generic request
 * listener but keep what it gives every answer — the request counters, CORS (§3.6) and the
 * error body (§3.5) — and they authenticate a user token from the query (never logged).
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { CloseCodes } from "@pushback/protocol"
import { Effect, type Either, type ManagedRuntime } from "effect"
import { ApiError } from "../../http/ApiError.js"
import { Auth, bearer, type UserPrincipal, type UserTokenError } from "../../auth/Auth.js"
import type { ServerConfig } from "../../config/Config.js"
import { applyCors, sendError } from "../../http/Edge.js"
import type { LimitsShape } from "../../cluster/limits/Limits.js"
import type { MetricsShape } from "../../stats/Metrics.js"
import type { Store } from "../../storage/Store.js"
import type { Session } from "../Session.js"
import type { Sessions, SessionsShape } from "../Sessions.js"

/** The services SSE and long-poll use: Auth for the token, Store and Sessions to open the stream. */
export type HttpTransportNeeds = Auth | Store | Sessions

/**
 * Once a stream is open, what a concept writes to it (channels' `subscribed` frames, PROTOCOL.md
 * §12); `poll` is the long-poll's wait and whether it resumes (a cursor was given), undefined on
 * SSE. Resolves once written.
 */
export type StreamStart = (
  session: Session,
  poll: { readonly waitSeconds: number; readonly resuming: boolean } | undefined
) => Promise<void>

/**
 * What a concept adds to an SSE or long-poll request, from its query parameters (channels:
 * `channels=` and `channelsSince=`), read before the token is checked: nothing (undefined), a
 * 400 that refuses the request, or what to do once the stream is open.
 */
export type StreamHook = (url: URL) => ApiError | StreamStart | undefined

/** What an HTTP transport needs from the server. */
export interface HttpTransportDeps {
  readonly runtime: ManagedRuntime.ManagedRuntime<HttpTransportNeeds, never>
  readonly config: ServerConfig
  readonly sessions: SessionsShape
  readonly metrics: MetricsShape
  readonly limits: LimitsShape
  /** The concepts' hook on the query (channels), if any. */
  readonly streamHook?: StreamHook
}

/** An HTTP transport endpoint: a request handler, plus shutdown. */
export interface HttpTransport {
  /** Answers one `GET` on the transport's path. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void
  /**
   * Refuses new requests and ends those still authenticating; the event streams already open
   * end with 1001 (long-polls are answered by the hub's `closeWhere`, like every session).
   */
  readonly close: () => void
}

/** Counts the request like the generic listener does, sets CORS, and parses the URL. */
export const beginRequest = (
  deps: Pick<HttpTransportDeps, "config" | "metrics">,
  req: IncomingMessage,
  res: ServerResponse
): URL => {
  deps.metrics.counters.httpRequests++
  res.on("finish", () => {
    if (res.statusCode >= 400) deps.metrics.counters.httpErrors++
  })
  const url = new URL(req.url ?? "/", "http://localhost")
  applyCors(deps.config, url.pathname, req, res)
  return url
}

/** The user token: `?token=`, else an `Authorization: Bearer` header (for fetch-based clients). */
export const tokenOf = (req: IncomingMessage, url: URL): string | undefined =>
  url.searchParams.get("token") ?? bearer(req.headers.authorization)

/** Verifies a user token through the Auth service; a refusal is a value, not a rejection. */
export const authenticateUser = (
  runtime: ManagedRuntime.ManagedRuntime<Auth, never>,
  token: string | undefined
): Promise<Either.Either<UserPrincipal, UserTokenError>> =>
  runtime.runPromise(Effect.either(Effect.flatMap(Auth, (auth) => auth.user(token))))

/** Answers 500 with the error body after logging what went wrong (never the URL's query). */
export const sendInternal = (res: ServerResponse, what: string, e: unknown): void => {
  console.error(`[pushback] ${what}: ${String(e)}`)
  if (!res.headersSent) sendError(res, new ApiError({ code: "internal", message: "internal error" }))
  else res.destroy()
}

/** 503 while the server shuts down. */
export const shuttingDown = (): ApiError =>
  new ApiError({ code: "unavailable", message: "the server is shutting down", retryAfter: 1 })

const TYPE = /^\{"type":"([A-Za-z_]+)"/

/**
 * The `type` of an encoded frame. Every frame the server writes starts with its `type`
 * (see Encode.ts and stream.ts), so this is a prefix match; anything else is parsed.
 */
export const frameTypeOf = (payload: string): string => {
  const match = TYPE.exec(payload)
  if (match !== null) return match[1]!
  try {
    const type = (JSON.parse(payload) as { type?: unknown }).type
    return typeof type === "string" ? type : "message"
  } catch {
    return "message"
  }
}

/** The `code` of the `error` frame that tells an HTTP client why its session ended. */
export const closeReasonCode = (code: number): string => {
  switch (code) {
    case CloseCodes.Unauthorized:
      return "unauthorized"
    case CloseCodes.TokenExpired:
      return "token_expired"
    case CloseCodes.Policy:
      return "slow_consumer"
    case CloseCodes.GoingAway:
      return "going_away"
    default:
      return "closed"
  }
}
