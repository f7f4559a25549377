/**
 * Routes: a handler per method and path pattern, as plain data. A handler is an Effect that
 * answers JSON (or pre-encoded JSON text) or fails with an ApiError, and its type names the
 * services it uses: `route` infers them (as Effect's `HttpServer.serve` infers `R`), a route
 * table needs the union of its routes' needs, and the node's runtime must provide that union.
 */
import type { IncomingHttpHeaders } from "node:http"
import { describeParseError, ListQuery } from "@pushback/protocol"
import { Effect, Either, Schema } from "effect"
import { ApiError, badInput, badRequest } from "./ApiError.js"
import { attempt, type Plain } from "./plain.js"

/** What a handler sees of a request. */
export interface RequestContext {
  readonly method: string
  readonly path: string
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly headers: IncomingHttpHeaders
  /** The parsed JSON body, or undefined when there was none. */
  readonly body: unknown
  /** The bearer credential, if any. */
  readonly credential: string | undefined
  /** `scheme://host` as the client sees this server, for links. */
  readonly baseUrl: string
}

/** A handler's answer: JSON to serialize, or JSON text already encoded. */
export interface Answer {
  readonly status: number
  readonly json?: unknown
  readonly raw?: string
  readonly headers?: Readonly<Record<string, string>>
}

/** A request handler that uses the services `R`. */
export type Handler<R> = (ctx: RequestContext) => Effect.Effect<Answer, ApiError, R>

/** A plain handler (plain.ts): answers, or throws or rejects with an ApiError. */
export type PlainHandler = (ctx: RequestContext) => Plain<Answer>

/** A route: method, pattern such as `/v1/users/:userId`, and a handler using the services `R`. */
export interface Route<R> {
  readonly method: string
  readonly pattern: string
  readonly handler: Handler<R>
  /**
   * A plain handler made once from the services (`plainRoute`): the edge calls it instead of
   * running `handler` (which runs the same function) in a fiber per request.
   */
  readonly plain?: Effect.Effect<PlainHandler, never, R>
  /**
   * Also takes `application/x-www-form-urlencoded` bodies (the seed-compatible endpoints of
   * PROTOCOL.md §9): the handler then sees an object of strings, an array for a repeated name.
   */
  readonly forms?: boolean
  /** A DELETE that takes a JSON body (`DELETE /v1/topics/{key}/subscribers`); other DELETEs ignore theirs. */
  readonly deleteBody?: boolean
}

/** The services a route needs; for a union of routes (a table's element type), the union of theirs. */
export type RouteNeeds<T> = T extends Route<infer R> ? R : never

/** Shorthand for a route; its needs are inferred from the handler. */
export const route = <R = never>(
  method: string,
  pattern: string,
  handler: Handler<R>,
  options: { forms?: boolean; deleteBody?: boolean } = {}
): Route<R> => ({
  method,
  pattern,
  handler,
  ...options
})

/**
 * A route whose handler is plain code (plain.ts), made once from the services by `make`: for the
 * hot paths, where a fiber per request would cost more than the work.
 */
export const plainRoute = <R = never>(
  method: string,
  pattern: string,
  make: Effect.Effect<PlainHandler, never, R>
): Route<R> => ({
  method,
  pattern,
  handler: (ctx) => Effect.flatMap(make, (handle) => attempt(() => handle(ctx))),
  plain: make
})

/** 200 with a JSON body. */
export const ok = (json: unknown, status = 200): Answer => ({ status, json })

/** 204 with no body. */
export const noContent: Answer = { status: 204 }

/** `limit` and `offset` of a page (strings on the wire). */
export const PageQuery = Schema.Struct({ limit: ListQuery.fields.limit, offset: ListQuery.fields.offset })

/**
 * Decodes a JSON body with a protocol schema; a failure is 400 naming the field. A field the
 * schema does not take, at any depth, is a failure too (PROTOCOL.md §16: a typo is refused, not
 * dropped), named with the closest known one; the seed-compatible endpoints (§9) build their v1
 * body from the fields they know, so their callers' extra fields never reach this.
 */
export const decodeBody = <A, I>(schema: Schema.Schema<A, I>, body: unknown): Effect.Effect<A, ApiError> =>
  attempt(() => decodeBodyNow(schema, body))

/** `decodeBody` as plain code (plain.ts): the decoded body, or throws the 400. */
export const decodeBodyNow = <A, I>(schema: Schema.Schema<A, I>, body: unknown): A => {
  if (body === undefined) throw badRequest("body: a JSON object is required", "body")
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest("body: must be a JSON object", "body")
  }
  const decoded = Schema.decodeUnknownEither(schema)(body, DECODE)
  if (Either.isLeft(decoded)) throw badInput(describeParseError(decoded.left))
  return decoded.right
}

/** How bodies are decoded: the first problem is enough, and a field the schema lacks is one. */
const DECODE = { errors: "first", onExcessProperty: "error" } as const

/** Decodes query parameters (first value of each) with a schema; a failure is 400. */
export const decodeQuery = <A, I>(
  schema: Schema.Schema<A, I>,
  query: URLSearchParams,
  keys: ReadonlyArray<string>
): Effect.Effect<A, ApiError> => {
  const input: Record<string, string> = {}
  for (const key of keys) {
    const value = query.get(key)
    if (value !== null && value !== "") input[key] = value
  }
  return Schema.decodeUnknown(schema)(input, { errors: "first" }).pipe(
    Effect.mapError((e) => badInput(describeParseError(e), "query"))
  )
}

/** A pattern cut into its segments: a literal to compare, or the name of a parameter. */
interface Compiled<R> {
  readonly route: Route<R>
  readonly segments: ReadonlyArray<{ readonly literal: string } | { readonly param: string }>
}

/**
 * Compiles patterns once and finds the route and params for a request: the path is cut at
 * `/`, and only the patterns with as many segments are compared, literal by literal (no regular
 * expression per route). The first route of the table whose path and method match wins; the
 * methods of those whose path alone matches make the 405's `Allow`.
 */
export const makeRouter = <R>(routes: ReadonlyArray<Route<R>>) => {
  const bySize = new Map<number, Array<Compiled<R>>>()
  for (const route of routes) {
    const segments = route.pattern
      .split("/")
      .map((part) => (/^:[A-Za-z]+$/.test(part) ? { param: part.slice(1) } : { literal: part }))
    const list = bySize.get(segments.length) ?? []
    bySize.set(segments.length, [...list, { route, segments }])
  }
  return (
    method: string,
    path: string
  ): { route: Route<R>; params: Record<string, string> } | { route: undefined; allowed: Array<string> } => {
    const allowed: Array<string> = []
    const parts = path.split("/")
    next: for (const c of bySize.get(parts.length) ?? []) {
      for (let i = 0; i < parts.length; i++) {
        const segment = c.segments[i]!
        if ("literal" in segment ? segment.literal !== parts[i] : parts[i] === "") continue next
      }
      if (c.route.method !== method) {
        if (!allowed.includes(c.route.method)) allowed.push(c.route.method)
        continue
      }
      const params: Record<string, string> = {}
      try {
        c.segments.forEach((segment, i) => {
          if ("param" in segment) params[segment.param] = decodeURIComponent(parts[i]!)
        })
      } catch {
        return { route: undefined, allowed: [] }
      }
      return { route: c.route, params }
    }
    return { route: undefined, allowed }
  }
}

const METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

/**
 * The `Allow` header of a path served with `methods`: HEAD wherever GET is (the edge answers
 * it as GET), OPTIONS where browsers may send a preflight.
 */
export const allowHeader = (methods: ReadonlyArray<string>, preflight: boolean): Array<string> => {
  const all = new Set(methods)
  if (all.has("GET")) all.add("HEAD")
  if (preflight) all.add("OPTIONS")
  return METHOD_ORDER.filter((m) => all.has(m))
}

/** Fails with 404 when a lookup found nothing. */
export const found = <A>(value: A | undefined, what: string): Effect.Effect<A, ApiError> =>
  value === undefined
    ? Effect.fail(new ApiError({ code: "not_found", message: `${what} not found` }))
    : Effect.succeed(value)
