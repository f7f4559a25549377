/**
 * The one place requests are made: JSON in and out, a bearer credential, a per-attempt
 * timeout, retries for calls that are safe to repeat, and every failure turned into a
 * `PushBackError`. The public clients only describe calls; this module decides how they travel.
 */
import { Either, Schema } from "effect"
import { ErrorBody, ErrorStatus, type ErrorCode } from "@pushback/protocol"
import { PushBackError, badRequest } from "../errors.js"
import type { FetchLike, FetchResponse, TransportOptions } from "../options.js"
import {
  DefaultRetryPolicy,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
  retryDelay
} from "./retry.js"

/**
 * How a call may be repeated:
 * - `idempotent`: repeating it cannot change the outcome (GET, PUT, DELETE, upsert, or a
 *   POST carrying an idempotency key), so it is retried on any network error, timeout, 5xx or 429;
 * - `once`: repeating it would do it twice (create an app, rotate a secret), so it is retried
 *   only when the server certainly did not act on it: 429, or a refused connection.
 */
export type Repeat = "idempotent" | "once"

/** One API call. */
export interface Call<A, I = unknown> {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  /** Path with already-encoded segments, e.g. `/v1/users/al%2Fice`. */
  readonly path: string
  readonly query?: Readonly<Record<string, string | undefined>>
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
  /** Schema of the 2xx body; `undefined` when the answer has none (204). */
  readonly response: Schema.Schema<A, I> | undefined
  readonly repeat: Repeat
  /**
   * For deletes: a 404 on a retry means an earlier attempt, whose answer was lost, already
   * deleted it — the goal is reached, so the call succeeds.
   */
  readonly goneIsDone?: boolean
}

/** A configured connection to one server with one credential. */
export interface HttpClient {
  readonly call: <A, I>(call: Call<A, I>) => Promise<A>
  readonly now: () => number
  /** The server's base URL, checked, without a trailing slash. */
  readonly url: string
}

type Attempt =
  | {
      readonly _tag: "Answer"
      readonly status: number
      readonly headers: FetchResponse["headers"]
      readonly text: string
    }
  | {
      readonly _tag: "NoAnswer"
      readonly timedOut: boolean
      readonly refused: boolean
      readonly cause: unknown
    }

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Builds a client, checking the options (a bad option is a `400 bad_request` naming it). */
export const makeHttpClient = (
  options: TransportOptions & { readonly url: string },
  credential: { readonly field: string; readonly value: unknown }
): HttpClient => {
  const baseUrl = checkUrl(options.url)
  // It travels in a header, where only visible ASCII fits (a stray newline from an env file, say).
  if (typeof credential.value !== "string" || !/^[\x21-\x7e]+$/.test(credential.value))
    throw badRequest(credential.field, "must be a non-empty string of visible ASCII characters")
  const authorization = `Bearer ${credential.value}`
  const fetchFn: FetchLike | undefined =
    options.fetch ?? (typeof globalThis.fetch === "function" ? (globalThis.fetch as FetchLike) : undefined)
  if (fetchFn === undefined) throw badRequest("fetch", "no global fetch: pass one in the options")
  const timeoutMs = checkNumber("timeoutMs", options.timeoutMs, 10_000, 1)
  const policy: RetryPolicy = {
    maxRetries: checkNumber("maxRetries", options.maxRetries, DefaultRetryPolicy.maxRetries, 0, true),
    baseDelayMs: checkNumber("retryBaseDelayMs", options.retryBaseDelayMs, DefaultRetryPolicy.baseDelayMs, 0),
    maxDelayMs: checkNumber("retryMaxDelayMs", options.retryMaxDelayMs, DefaultRetryPolicy.maxDelayMs, 0),
    maxRetryAfterMs: checkNumber(
      "maxRetryAfterMs",
      options.maxRetryAfterMs,
      DefaultRetryPolicy.maxRetryAfterMs,
      0
    )
  }
  const sleep = options.sleep ?? defaultSleep
  const random = options.random ?? Math.random
  const now = options.now ?? Date.now

  const attempt = async (
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string }
  ) => {
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeoutMs)
    try {
      const response = await fetchFn(url, { ...init, signal: controller.signal })
      // The body is part of the answer: a reset or a stall while reading it is a lost answer too.
      const text = await response.text()
      return { _tag: "Answer", status: response.status, headers: response.headers, text } satisfies Attempt
    } catch (cause) {
      return { _tag: "NoAnswer", timedOut, refused: isRefused(cause), cause } satisfies Attempt
    } finally {
      clearTimeout(timer)
    }
  }

  const call = async <A, I>(spec: Call<A, I>): Promise<A> => {
    const url = baseUrl + spec.path + queryString(spec.query)
    const headers: Record<string, string> = {
      accept: "application/json",
      authorization,
      ...spec.headers
    }
    let body: string | undefined
    if (spec.body !== undefined) {
      body = toJson(spec.body)
      headers["content-type"] = "application/json"
    }
    const init =
      body === undefined ? { method: spec.method, headers } : { method: spec.method, headers, body }
    for (let retry = 0; ; retry++) {
      const outcome = await attempt(url, init)
      if (outcome._tag === "Answer") {
        if (outcome.status >= 200 && outcome.status < 300)
          return decodeAnswer(spec, outcome.status, outcome.text)
        if (outcome.status === 404 && retry > 0 && spec.goneIsDone === true) return undefined as A
      }
      const error = toError(spec, outcome, retry + 1)
      const mayRepeat =
        outcome._tag === "Answer"
          ? outcome.status === 429 || (spec.repeat === "idempotent" && isRetryableStatus(outcome.status))
          : spec.repeat === "idempotent" || outcome.refused
      if (!mayRepeat) throw error
      const retryAfter =
        outcome._tag === "Answer" ? parseRetryAfter(outcome.headers.get("retry-after"), now()) : undefined
      const delay = retryDelay(retry, retryAfter, policy, random)
      if (delay === undefined) throw error
      await sleep(delay)
    }
  }

  return { call, now, url: baseUrl }
}

/** Encodes one path segment (a user id may hold `/`, `?` or `#`). */
export const segment = (value: string): string => encodeURIComponent(value)

const toJson = (body: unknown): string => {
  try {
    return JSON.stringify(body)
  } catch (cause) {
    throw badRequest("", `the request body is not JSON-serializable: ${describeCause(cause)}`)
  }
}

const checkUrl = (url: unknown): string => {
  if (typeof url !== "string") throw badRequest("url", "must be a string")
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw badRequest("url", "must be an absolute http(s) URL")
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw badRequest("url", "must be an absolute http(s) URL")
  if (parsed.search !== "" || parsed.hash !== "") throw badRequest("url", "must have no query or fragment")
  return parsed.href.replace(/\/+$/, "")
}

const checkNumber = (field: string, value: unknown, fallback: number, min: number, integer = false) => {
  if (value === undefined) return fallback
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < min ||
    (integer && !Number.isInteger(value))
  )
    throw badRequest(field, `must be ${integer ? "an integer" : "a finite number"} >= ${min}`)
  return value
}

const queryString = (query: Call<unknown, unknown>["query"]) => {
  if (query === undefined) return ""
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value)
  const text = params.toString()
  return text === "" ? "" : `?${text}`
}

/** A connection refused never reached the server, so even a non-repeatable call may retry. */
const isRefused = (cause: unknown): boolean => errorCode(cause) === "ECONNREFUSED"

const errorCode = (cause: unknown): string | undefined => {
  for (let e: unknown = cause, depth = 0; typeof e === "object" && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === "string") return code
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

const describeCause = (cause: unknown): string => {
  const parts: Array<string> = []
  for (let e: unknown = cause, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    if (e instanceof Error) {
      parts.push(e.message)
      e = e.cause
    } else {
      parts.push(String(e))
      break
    }
  }
  return parts.join(": ") || "unknown error"
}

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

const decodeAnswer = <A, I>(spec: Call<A, I>, status: number, text: string): A => {
  if (spec.response === undefined) return undefined as A
  const json = parseJson(text)
  const decoded = json.ok ? Schema.decodeUnknownEither(spec.response)(json.value) : undefined
  if (decoded !== undefined && Either.isRight(decoded)) return decoded.right
  throw new PushBackError({
    status,
    code: "invalid_response",
    message: `${spec.method} ${spec.path}: the ${status} answer does not match the protocol${
      decoded === undefined ? " (not JSON)" : `: ${decoded.left.message}`
    }`,
    details: { body: text.slice(0, 500) }
  })
}

const codeByStatus = new Map<number, ErrorCode>(
  Object.entries(ErrorStatus).map(([code, status]) => [status, code as ErrorCode])
)

/** The code of an answer whose body is not a protocol error body (a proxy's page, say). */
const fallbackCode = (status: number): ErrorCode =>
  codeByStatus.get(status) ??
  (status === 502 || status === 504 ? "unavailable" : status >= 500 ? "internal" : "bad_request")

const toError = (
  spec: { readonly method: string; readonly path: string },
  outcome: Attempt,
  attempts: number
): PushBackError => {
  if (outcome._tag === "NoAnswer") {
    const what = outcome.timedOut ? "timed out" : `failed (${describeCause(outcome.cause)})`
    return new PushBackError({
      status: 0,
      code: outcome.timedOut ? "timeout" : "network_error",
      message: `${spec.method} ${spec.path} ${what}; ${attempts} attempt${attempts === 1 ? "" : "s"}`,
      details: { attempts },
      cause: outcome.cause
    })
  }
  const json = parseJson(outcome.text)
  const body = json.ok ? Schema.decodeUnknownEither(ErrorBody)(json.value) : undefined
  if (body !== undefined && Either.isRight(body)) {
    const { code, message, details } = body.right.error
    return new PushBackError({ status: outcome.status, code, message, details })
  }
  // Not a protocol error body: keep whatever message there is, and derive the code from the status.
  const loose = json.ok ? (json.value as { error?: { message?: unknown } } | null)?.error?.message : undefined
  return new PushBackError({
    status: outcome.status,
    code: fallbackCode(outcome.status),
    message: typeof loose === "string" ? loose : `${spec.method} ${spec.path} answered ${outcome.status}`,
    details: { body: outcome.text.slice(0, 500) }
  })
}
