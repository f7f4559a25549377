/**
 * What the HTTP API tests (PROTOCOL.md §2, §3) check on top of the testkit: the shape of every
 * error body and success answer, a JWT taken apart, timestamps, and the reads of the inbox,
 * counts and statistics those checks are made on. Everything here talks to the server from the
 * outside; servers, apps, tokens, notify and `eventually` come from @pushback/testkit.
 */
import type { Notification, NotificationList } from "@pushback/protocol/types"
import { type Reply, request, type TestApp } from "@pushback/testkit"
import { expect } from "vitest"

export type { Notification, NotificationList }

/** The status of each error code of PROTOCOL.md §3.5. */
export const ERROR_STATUS: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500
}

interface ErrorBody {
  error: { code: string; message: string; details?: { field?: unknown } & Record<string, unknown> }
}

/** Any non-2xx answer: `{"error": {"code", "message", "details"?}}`, code matching the status. */
export const expectErrorShape = (res: Reply): ErrorBody["error"] => {
  expect(res.status, `expected a non-2xx answer, got ${res.status} ${res.text}`).toBeGreaterThanOrEqual(300)
  expect(res.headers.get("content-type") ?? "", `content-type of ${res.status} ${res.text}`).toMatch(
    /^application\/json/
  )
  const body = res.body as ErrorBody
  expect(typeof body, `error body: ${res.text}`).toBe("object")
  expect(body, `error body: ${res.text}`).not.toBeNull()
  expect(Object.keys(body), `error body: ${res.text}`).toEqual(["error"])
  const error = body.error
  expect(typeof error.code, `error body: ${res.text}`).toBe("string")
  expect(typeof error.message, `error body: ${res.text}`).toBe("string")
  expect(error.message.length, `error body: ${res.text}`).toBeGreaterThan(0)
  expect(
    Object.keys(error).every((k) => ["code", "message", "details"].includes(k)),
    res.text
  ).toBe(true)
  expect(Object.keys(ERROR_STATUS), `unknown error code in ${res.text}`).toContain(error.code)
  // bad_request is also the code of 405 (a method the path does not serve) and 431 (§10)
  const statuses = error.code === "bad_request" ? [400, 405, 431] : [ERROR_STATUS[error.code]]
  expect(statuses, `status ${res.status} of code ${error.code}`).toContain(res.status)
  // no stack trace ever
  expect(res.text).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/)
  expect(res.text).not.toMatch(/node_modules|dist\/chunk|\.ts:\d+/)
  return error
}

/** A non-2xx answer with this status and code. */
export const expectError = (res: Reply, status: number, code: string): ErrorBody["error"] => {
  expect(res.status, `expected ${status} ${code}, got ${res.status} ${res.text}`).toBe(status)
  const error = expectErrorShape(res)
  expect(error.code, res.text).toBe(code)
  return error
}

/** A 400 whose `details.field` names `field` (or a path inside it, e.g. `users.0.id`). */
export const expectBadField = (res: Reply, field: string): void => {
  const error = expectError(res, 400, "bad_request")
  const named = error.details?.field
  expect(typeof named, `details.field missing in ${res.text}`).toBe("string")
  const name = named as string
  expect(
    name === field || name.startsWith(`${field}.`) || name.startsWith(`${field}[`),
    `details.field ${JSON.stringify(name)} should name ${field} (${res.text})`
  ).toBe(true)
}

/** A 2xx JSON answer. */
export const expectOk = <T>(res: Reply<T>, status = 200): T => {
  expect(res.status, `expected ${status}, got ${res.status} ${res.text}`).toBe(status)
  if (status !== 204) {
    expect(res.headers.get("content-type") ?? "", `content-type of ${res.text}`).toMatch(/^application\/json/)
  }
  return res.body
}

// ------------------------------------------------------------------ JWT taken apart

/** The parts of a JWT: header and claims decoded, the signature and the input it signs. */
export const decodeJwt = (token: string) => {
  const [h, c, s] = token.split(".")
  return {
    header: JSON.parse(Buffer.from(h!, "base64url").toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(c!, "base64url").toString()) as Record<string, unknown>,
    signature: s!,
    signingInput: `${h}.${c}`
  }
}

// ------------------------------------------------------------------ misc

/** An ISO-8601 UTC timestamp naming a real instant. */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/** A timestamp string of a real instant within `toleranceMs` of `near`. */
export const expectTimestamp = (value: unknown, near = Date.now(), toleranceMs = 10 * 60_000) => {
  expect(typeof value, `timestamp ${String(value)}`).toBe("string")
  expect(value as string).toMatch(ISO_UTC)
  const ms = Date.parse(value as string)
  expect(Number.isNaN(ms)).toBe(false)
  expect(Math.abs(ms - near), `timestamp ${String(value)} is far from now`).toBeLessThan(toleranceMs)
}

/** The server answers at all: `GET /v1/status/ping` is 200 `{ok: true}`. */
export const expectAlive = async (baseUrl: string) => {
  const res = await request(baseUrl, "GET", "/v1/status/ping")
  expect(res.status).toBe(200)
  expect(res.body).toEqual({ ok: true })
}

/** Exactly the fields of the Notification object of PROTOCOL.md §3.3 (with §8's `deliveredAt`, §11's `topic`). */
export const NOTIFICATION_KEYS = [
  "author",
  "content",
  "createdAt",
  "data",
  "deliveredAt",
  "icon",
  "id",
  "image",
  "readAt",
  "seenAt",
  "title",
  "topic",
  "type",
  "url",
  "user"
]

/** The signed-in user's list. */
export const inbox = async (baseUrl: string, token: string, query = ""): Promise<NotificationList> =>
  expectOk(await request<NotificationList>(baseUrl, "GET", `/v1/me/notifications${query}`, { token }))

/** The signed-in user's counts. */
export const counts = async (baseUrl: string, token: string) =>
  expectOk(
    await request<{ unseen: number; unread: number; total: number }>(baseUrl, "GET", "/v1/me/counts", {
      token
    })
  )

/** An app's statistics. */
export const stats = async (baseUrl: string, app: TestApp) =>
  expectOk(await request<Record<string, number>>(baseUrl, "GET", "/v1/stats", { token: app.secret }))
