/**
 * Helpers shared by the HTTP API tests (PROTOCOL.md §2, §3): error-body checks, JWTs signed
 * by hand, config files, small waits. Everything here talks to the server from the outside.
 */
import { createHmac } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Reply, request, type TestApp } from "@pushback/testkit"
import { expect } from "vitest"

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

// ------------------------------------------------------------------ JWT by hand

export const b64url = (value: string | Buffer): string => Buffer.from(value).toString("base64url")

/** A JWT with the given header and claims, signed with HMAC-SHA256 over `key` (or unsigned). */
export const signJwt = (
  claims: Record<string, unknown>,
  key: string | null,
  header: Record<string, unknown> = { alg: "HS256", typ: "JWT" }
): string => {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
  const signature = key === null ? "" : createHmac("sha256", key).update(input).digest("base64url")
  return `${input}.${signature}`
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** A valid user token made locally, as `@pushback/node` `createUserToken` would. */
export const localToken = (app: TestApp, user: string, ttlSeconds = 600): string => {
  const iat = nowSeconds()
  return signJwt({ app: app.id, sub: user, iat, exp: iat + ttlSeconds }, app.secret)
}

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

/** Writes a JSON config file in a temp dir; returns its path and a cleanup. */
export const configFile = (config: unknown): { path: string; remove: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), "pushback-config-"))
  const path = join(dir, "config.json")
  writeFileSync(path, JSON.stringify(config))
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export const eventually = async (check: () => Promise<boolean>, what: string, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** An ISO-8601 UTC timestamp naming a real instant. */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

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

export interface Notification {
  id: string
  user: string
  type: string | null
  title: string | null
  content: unknown
  url: string | null
  icon: string | null
  image: string | null
  data: unknown
  author: string | null
  createdAt: string
  seenAt: string | null
  readAt: string | null
  deliveredAt: string | null
}

export interface NotificationList {
  count: number
  next: string | null
  previous: string | null
  results: Notification[]
}

/** Exactly the fields of the Notification object of PROTOCOL.md §3.3 (with §8's `deliveredAt`). */
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
  "type",
  "url",
  "user"
]

/** Notify helper: POST /v1/notify with the app secret, expecting 202. */
export const notify = async (
  baseUrl: string,
  app: TestApp,
  body: Record<string, unknown>,
  headers?: Record<string, string>
): Promise<{ id: string; recipients: number; online: number }> => {
  const res = await request<{ id: string; recipients: number; online: number }>(
    baseUrl,
    "POST",
    "/v1/notify",
    {
      token: app.secret,
      body,
      ...(headers ? { headers } : {})
    }
  )
  return expectOk(res, 202)
}

/** The signed-in user's list. */
export const inbox = async (baseUrl: string, token: string, query = ""): Promise<NotificationList> =>
  expectOk(await request<NotificationList>(baseUrl, "GET", `/v1/me/notifications${query}`, { token }))

export const counts = async (baseUrl: string, token: string) =>
  expectOk(
    await request<{ unseen: number; unread: number; total: number }>(baseUrl, "GET", "/v1/me/counts", {
      token
    })
  )

export const stats = async (baseUrl: string, app: TestApp) =>
  expectOk(await request<Record<string, number>>(baseUrl, "GET", "/v1/stats", { token: app.secret }))

export const registerUsers = async (baseUrl: string, app: TestApp, users: unknown[]) =>
  expectOk(
    await request<{ registered: number }>(baseUrl, "POST", "/v1/users", {
      token: app.secret,
      body: { users }
    })
  )
