/**
 * What the seed-compatible endpoints (PROTOCOL.md §9) share to read a seed's request: its
 * credentials (an app secret as `Authorization: Bearer`, `X-AUTH-TOKEN` or an `app_token`
 * field; a user token as `Bearer` or DRF's `Token`), its body (JSON or a form, parsed by the
 * edge), numeric ids (they become strings) and form-style booleans and lists. Each seed module
 * turns a request into a v1 body with these and hands it to the v1 code that validates it.
 */
import { Effect } from "effect"
import { type ApiError, badRequest } from "../http/ApiError.js"
import { Auth, type UserPrincipal } from "../auth/Auth.js"
import type { RequestContext } from "../http/Route.js"
import type { AppRecord } from "../tenancy/TenancyStore.js"

/** A seed request's body as an object of fields ({} when there is none). */
export const fieldsOf = (ctx: RequestContext): Effect.Effect<Record<string, unknown>, ApiError> => {
  if (ctx.body === undefined) return Effect.succeed({})
  if (typeof ctx.body !== "object" || ctx.body === null || Array.isArray(ctx.body)) {
    return Effect.fail(badRequest("body: must be a JSON object or a form", "body"))
  }
  return Effect.succeed(ctx.body as Record<string, unknown>)
}

/** Whether the body came as `application/x-www-form-urlencoded` (its values are all text). */
export const isFormBody = (ctx: RequestContext): boolean =>
  /^application\/x-www-form-urlencoded/i.test(ctx.headers["content-type"] ?? "")

const headerValue = (ctx: RequestContext, name: string): string | undefined => {
  const value = ctx.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** The app a seed call is made for: its secret as a bearer, `X-AUTH-TOKEN`, or the `app_token` field. */
export const seedApp = (ctx: RequestContext): Effect.Effect<AppRecord, ApiError, Auth> =>
  Effect.gen(function* () {
    const body =
      typeof ctx.body === "object" && ctx.body !== null ? (ctx.body as Record<string, unknown>) : {}
    const field = typeof body["app_token"] === "string" ? body["app_token"] : undefined
    return yield* (yield* Auth).app(ctx.credential ?? headerValue(ctx, "x-auth-token") ?? field)
  })

/** The user a seed call is made by: a user token as `Authorization: Bearer` or `Authorization: Token`. */
export const seedUser = (ctx: RequestContext): Effect.Effect<UserPrincipal, ApiError, Auth> => {
  const drf = /^Token\s+(\S+)\s*$/i.exec(headerValue(ctx, "authorization") ?? "")?.[1]
  return Effect.flatMap(Auth, (auth) => auth.user(ctx.credential ?? drf))
}

/** A numeric id as the string v1 takes (`42` → `"42"`); anything else unchanged, for v1 to judge. */
export const idText = (value: unknown): unknown =>
  typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value

/**
 * A `{id, email, name}` user or a bare id, with a numeric id made a string; a seed's other
 * fields of a user are dropped here (v1 refuses fields it does not know, §9 accepts them).
 */
const userRef = (value: unknown): unknown => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return idText(value)
  const { email, name } = value as Record<string, unknown>
  return defined({ id: idText((value as Record<string, unknown>)["id"]), email, name })
}

/**
 * A seed's list of users: a JSON array (of ids or `{id, email}`), a JSON array given as text (a
 * form field, or webservice-notification's `users` string), or, with `repeated` (a form whose
 * lists are repeated fields, `users=1&users=2`), one field as a list of one. Undefined when
 * absent; anything else is 400.
 */
export const usersOf = (
  value: unknown,
  field: string,
  repeated: boolean
): Effect.Effect<Array<unknown> | undefined, ApiError> => {
  if (value === undefined) return Effect.succeed(undefined)
  let list = value
  if (typeof value === "string" && value.trimStart().startsWith("[")) {
    try {
      list = JSON.parse(value)
    } catch {
      return Effect.fail(badRequest(`${field}: malformed JSON list`, field))
    }
  } else if (repeated && typeof value === "string") list = [value]
  if (!Array.isArray(list)) return Effect.fail(badRequest(`${field}: must be a list of user ids`, field))
  return Effect.succeed(list.map(userRef))
}

/** A string or number field as text; undefined for anything else (objects are never stringified). */
export const scalarText = (value: unknown): string | undefined =>
  typeof value === "string" || typeof value === "number" ? String(value) : undefined

/** A seed's yes/no field: a JSON boolean, `1`/`0`, or the text `true`/`false`/`1`/`0`/`on`/`off`. */
export const flagOf = (value: unknown, field: string): Effect.Effect<boolean | undefined, ApiError> => {
  if (value === undefined || typeof value === "boolean") return Effect.succeed(value)
  const text = scalarText(value)?.toLowerCase()
  if (text === undefined) return Effect.fail(badRequest(`${field}: must be true or false`, field))
  if (["true", "1", "on", "yes"].includes(text)) return Effect.succeed(true)
  if (["false", "0", "off", "no", ""].includes(text)) return Effect.succeed(false)
  return Effect.fail(badRequest(`${field}: must be true or false`, field))
}

/** Drops the undefined fields of a body, so v1 sees them as absent. */
export const defined = (fields: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))
