/**
 * The HTTP edge: turns node:http requests into handler calls. It owns what every endpoint
 * shares — routing, CORS, the body size limit, JSON parsing, the error body of
 * PROTOCOL.md §3.5 — so handlers only see validated input. Nothing here logs credentials.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { ErrorBody } from "@pushback/protocol"
import { Cause, Effect, Exit, type ManagedRuntime, Option } from "effect"
import { ApiError, badRequest, methodNotAllowed } from "./ApiError.js"
import { bearer } from "../auth/Auth.js"
import type { ServerConfig } from "../config/Config.js"
import type { MetricsShape } from "../stats/Metrics.js"
import {
  allowHeader,
  type Answer,
  makeRouter,
  type PlainHandler,
  type RequestContext,
  type Route
} from "./Route.js"
import { isForm, parseForm } from "./forms.js"
import { malformedJson } from "./malformedJson.js"

const CORS_PATH = /^\/(v1\/(me(\/|$)|sse$|poll$|ws$|status\/|push\/)|notifications(\/|$)|api\/status\/)/

/** Deepest JSON nesting accepted in a body: far beyond any real payload, far below the stack. */
const MAX_JSON_DEPTH = 64

/**
 * Where a parsed JSON value nests deeper than `max`: the top-level field holding the too-deep
 * part ("" for the root), or undefined when it does not. Iterative: deep input cannot overflow it.
 */
export const tooDeepAt = (value: unknown, max: number): string | undefined => {
  const stack: Array<[unknown, number, string]> = [[value, 0, ""]]
  while (stack.length > 0) {
    const [v, depth, field] = stack.pop()!
    if (typeof v !== "object" || v === null) continue
    if (depth >= max) return field
    const children: Iterable<[unknown, unknown]> = Array.isArray(v) ? v.entries() : Object.entries(v)
    for (const [key, child] of children) stack.push([child, depth + 1, depth === 0 ? String(key) : field])
  }
  return undefined
}

/**
 * Where a parsed body holds U+0000 in a string or a name — text PostgreSQL cannot store, so it is
 * refused on both stores alike: the top-level field ("" for the root), or undefined when none.
 * Asked only of a body whose text has the character's escape, so other bodies pay nothing.
 */
export const nulAt = (value: unknown): string | undefined => {
  const stack: Array<[unknown, string]> = [[value, ""]]
  while (stack.length > 0) {
    const [v, field] = stack.pop()!
    if (typeof v === "string") {
      if (v.includes("\u0000")) return field
      continue
    }
    if (typeof v !== "object" || v === null) continue
    const children: Iterable<[unknown, unknown]> = Array.isArray(v) ? v.entries() : Object.entries(v)
    for (const [key, child] of children) {
      const at = field === "" && !Array.isArray(v) ? String(key) : field
      if (typeof key === "string" && key.includes("\u0000")) return at
      stack.push([child, at])
    }
  }
  return undefined
}

const nulRefused = (at: string) => {
  const field = at === "" ? "body" : at
  return badRequest(`${field}: text may not contain the character U+0000 (NUL)`, field)
}

/** Sets the CORS headers of §3.6 when the path and origin call for them. */
export const applyCors = (
  config: ServerConfig,
  path: string,
  req: IncomingMessage,
  res: ServerResponse
): void => {
  if (!CORS_PATH.test(path)) return
  const origin = req.headers.origin
  if (config.corsOrigins === "*") {
    res.setHeader("access-control-allow-origin", "*")
  } else if (origin !== undefined && config.corsOrigins.includes(origin)) {
    res.setHeader("access-control-allow-origin", origin)
    res.setHeader("vary", "Origin")
  } else {
    return
  }
  res.setHeader("access-control-expose-headers", "Retry-After, PushBack-Cursor")
}

const preflight = (res: ServerResponse): void => {
  res.setHeader("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE")
  res.setHeader("access-control-allow-headers", "Authorization, Content-Type, Idempotency-Key, Last-Event-ID")
  res.setHeader("access-control-max-age", "86400")
  res.writeHead(204).end()
}

const send = (res: ServerResponse, answer: Answer): void => {
  if (res.headersSent) return
  for (const [k, v] of Object.entries(answer.headers ?? {})) res.setHeader(k, v)
  if (answer.status === 204) {
    res.writeHead(204).end()
    return
  }
  const text = answer.raw ?? JSON.stringify(answer.json)
  if (!res.hasHeader("content-type")) res.setHeader("content-type", "application/json; charset=utf-8")
  res.writeHead(answer.status).end(text)
}

/** An ApiError as the §3.5 error body. */
export const errorBody = (error: ApiError): ErrorBody => ({
  error: {
    code: error.code,
    message: error.message,
    ...(error.details === undefined ? {} : { details: error.details })
  }
})

/** Writes an ApiError as the §3.5 error body. */
export const sendError = (res: ServerResponse, error: ApiError): void => {
  const body = errorBody(error)
  const headers: Record<string, string> = {}
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter)
  if (error.allow !== undefined) headers["allow"] = error.allow.join(", ")
  send(res, { status: error.status, json: body, headers })
}

/**
 * Reads the body up to `limit` bytes; undefined when it is larger, null when the client went
 * away before sending all of it (nobody is left to answer). The rest of an over-size body is
 * drained, not left unread, so the client can finish sending and read the 413.
 */
const readBody = (req: IncomingMessage, limit: number): Promise<Buffer | undefined | null> =>
  new Promise((resolve) => {
    if (Number(req.headers["content-length"] ?? 0) > limit) {
      req.resume()
      resolve(undefined)
      return
    }
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) chunks.push(chunk)
      else if (chunks.length > 0) {
        chunks.length = 0
        resolve(undefined)
      }
    })
    req.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks)))
    req.on("error", () => resolve(null))
  })

/**
 * The request listener for node:http. The runtime must provide every service the routes
 * need (`R`, inferred from the routes alone), which the type checker proves where it is called.
 */
export const makeRequestListener = <R>(
  routes: ReadonlyArray<Route<R>>,
  runtime: ManagedRuntime.ManagedRuntime<NoInfer<R>, never>,
  config: ServerConfig,
  metrics: MetricsShape
) => {
  const match = makeRouter(routes)
  // Plain handlers, each made from the services at its route's first request.
  const plain = new Map<Route<R>, PlainHandler | Promise<PlainHandler>>()
  const plainOf = (route: Route<R>, make: NonNullable<Route<R>["plain"]>) => {
    let handle = plain.get(route)
    if (handle === undefined) {
      const made = runtime.runPromise(make)
      plain.set(route, made)
      // Kept once made; a failure (a defect in a service) is tried again by the next request.
      made.then(
        (h) => plain.set(route, h),
        () => plain.delete(route)
      )
      handle = made
    }
    return handle
  }
  /** Runs a plain handler: its answer, the ApiError it refused with, or a 500 for anything else. */
  const answerPlain = async (route: Route<R>, make: NonNullable<Route<R>["plain"]>, ctx: RequestContext) => {
    try {
      const handle = plainOf(route, make)
      return await (typeof handle === "function" ? handle : await handle)(ctx)
    } catch (e) {
      if (e instanceof ApiError) return e
      console.error(
        `[pushback] internal error on ${ctx.method} ${ctx.path}: ${(e as Error)?.stack ?? String(e)}`
      )
      return new ApiError({ code: "internal", message: "internal error" })
    }
  }
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    metrics.counters.httpRequests++
    metrics.gauges.httpInFlight++
    res.on("close", () => {
      metrics.gauges.httpInFlight--
      if (res.writableFinished && res.statusCode >= 400) metrics.counters.httpErrors++
    })
    let url: URL
    try {
      url = new URL(req.url ?? "/", "http://localhost")
    } catch {
      return sendError(res, badRequest("malformed request target", "url"))
    }
    try {
      const method = req.method ?? "GET"
      applyCors(config, url.pathname, req, res)
      if (method === "OPTIONS" && CORS_PATH.test(url.pathname)) return preflight(res)
      // HEAD is GET without a body (node:http drops the body).
      const found = match(method === "HEAD" ? "GET" : method, url.pathname)
      if (found.route === undefined) {
        if (found.allowed.length > 0) {
          const allow = allowHeader(found.allowed, CORS_PATH.test(url.pathname))
          return sendError(res, methodNotAllowed(method, url.pathname, allow))
        }
        return sendError(
          res,
          new ApiError({ code: "not_found", message: `no route for ${method} ${url.pathname}` })
        )
      }
      // The whole request arrives before anything runs, whatever the method: a DELETE whose
      // body never completes must not delete, and an answer must not race a body still coming.
      const raw = await readBody(req, config.limits.requestBodyBytes)
      if (raw === null) return
      if (raw === undefined) {
        return sendError(
          res,
          new ApiError({
            code: "payload_too_large",
            message: `the request body is larger than ${config.limits.requestBodyBytes} bytes`
          })
        )
      }
      let body: unknown
      if (method !== "GET" && (method !== "DELETE" || found.route.deleteBody === true)) {
        if (raw.length > 0 && found.route.forms === true && isForm(req.headers["content-type"])) {
          const text = raw.toString("utf8")
          body = parseForm(text)
          if (body === undefined) return sendError(res, badRequest("body: malformed form", "body"))
          const nul = text.includes("%00") ? nulAt(body) : undefined
          if (nul !== undefined) return sendError(res, nulRefused(nul))
        } else if (raw.length > 0) {
          const text = raw.toString("utf8")
          try {
            body = JSON.parse(text)
          } catch {
            return sendError(res, badRequest(malformedJson(text), "body"))
          }
          const nul = text.includes("\\u0000") ? nulAt(body) : undefined
          if (nul !== undefined) return sendError(res, nulRefused(nul))
          const deep = tooDeepAt(body, MAX_JSON_DEPTH)
          if (deep !== undefined) {
            const field = deep === "" ? "body" : deep
            return sendError(
              res,
              badRequest(`${field}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, field)
            )
          }
        }
      }
      const proto = String(req.headers["x-forwarded-proto"] ?? "http")
        .split(",")[0]!
        .trim()
      const ctx: RequestContext = {
        method,
        path: url.pathname,
        params: found.params,
        query: url.searchParams,
        headers: req.headers,
        body,
        credential: bearer(req.headers.authorization),
        baseUrl: `${proto}://${req.headers.host ?? "localhost"}`
      }
      if (found.route.plain !== undefined) {
        const answer = await answerPlain(found.route, found.route.plain, ctx)
        return answer instanceof ApiError ? sendError(res, answer) : send(res, answer)
      }
      const exit = await runtime.runPromiseExit(
        found.route.handler(ctx).pipe(Effect.withTracerEnabled(false))
      )
      if (Exit.isSuccess(exit)) return send(res, exit.value)
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure)) return sendError(res, failure.value)
      console.error(`[pushback] internal error on ${method} ${url.pathname}: ${Cause.pretty(exit.cause)}`)
      return sendError(res, new ApiError({ code: "internal", message: "internal error" }))
    } catch (e) {
      console.error(`[pushback] internal error: ${(e as Error).stack ?? String(e)}`)
      sendError(res, new ApiError({ code: "internal", message: "internal error" }))
    }
  }
}
