/**
 * Tiny JSON-over-HTTP helpers for tests: every call returns status, headers and parsed body;
 * and the steps nearly every test takes through the API (create an app, register users, mint a
 * user token, notify), each throwing with the server's answer when it is not the expected one.
 */
import type { NotifyResponse, RegisterUsersResponse, UserRef } from "@pushback/protocol/types"

/** An answer: status, headers, the body parsed as JSON (or the text when it is not JSON). */
export interface Reply<T = unknown> {
  readonly status: number
  readonly headers: Headers
  readonly body: T
  readonly text: string
}

/** What `request` sends besides the method and path. */
export interface RequestOptions {
  readonly token?: string
  readonly body?: unknown
  /** Sent as is (for malformed JSON tests). */
  readonly rawBody?: string | Uint8Array<ArrayBuffer>
  readonly headers?: Record<string, string>
}

/** One HTTP request with a bearer token and a JSON body. */
export const request = async <T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {}
): Promise<Reply<T>> => {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`
  let body: string | Uint8Array<ArrayBuffer> | undefined
  if (options.rawBody !== undefined) body = options.rawBody
  else if (options.body !== undefined) body = JSON.stringify(options.body)
  if (body !== undefined && headers["content-type"] === undefined)
    headers["content-type"] = "application/json"
  const res = await fetch(baseUrl + path, { method, headers, ...(body === undefined ? {} : { body }) })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text }
}

/** An app as created: its id, name and secret. */
export interface TestApp {
  readonly id: string
  readonly secret: string
  readonly name: string
}

/** Where a test reaches a server: a node, or a load balancer in front of several. */
export interface HttpEndpoint {
  /** `http://HOST:PORT` */
  readonly url: string
}

let apps = 0

/** The body of an answer with `status` and a JSON content type; throws naming `what` and the answer otherwise. */
const expected = <T>(res: Reply<T>, status: number, what: string): T => {
  if (res.status !== status || !(res.headers.get("content-type") ?? "").startsWith("application/json"))
    throw new Error(`${what} failed: ${res.status} ${res.headers.get("content-type")} ${res.text}`)
  return res.body
}

/** Creates an app through the operator API (named `name`, or a name of its own) and returns its id and secret. */
export const createApp = async (
  server: HttpEndpoint & { readonly adminToken: string },
  name = `app-${process.pid}-${++apps}`
): Promise<TestApp> => {
  const res = await request<TestApp>(server.url, "POST", "/v1/apps", {
    token: server.adminToken,
    body: { name }
  })
  return expected(res, 201, "createApp")
}

/** Registers users (`POST /v1/users`, an upsert); throws on anything but 200. */
export const registerUsers = async (
  server: HttpEndpoint,
  app: TestApp,
  users: ReadonlyArray<UserRef>
): Promise<RegisterUsersResponse> => {
  const res = await request<RegisterUsersResponse>(server.url, "POST", "/v1/users", {
    token: app.secret,
    body: { users }
  })
  return expected(res, 200, "registerUsers")
}

/** How `userToken` mints. */
export interface UserTokenOptions {
  /** The token's lifetime; the server's default when left out. */
  readonly ttlSeconds?: number | undefined
  /** Register the user first (so the backend API lists it and counts its sessions). */
  readonly register?: boolean
}

/** Mints a user token through `POST /v1/tokens` (the one way a test asks the server for one). */
export const userToken = async (
  server: HttpEndpoint,
  app: TestApp,
  user: string,
  options: UserTokenOptions = {}
): Promise<string> => {
  if (options.register === true) await registerUsers(server, app, [user])
  const res = await request<{ token: string }>(server.url, "POST", "/v1/tokens", {
    token: app.secret,
    body: options.ttlSeconds === undefined ? { user } : { user, ttlSeconds: options.ttlSeconds }
  })
  return expected(res, 200, "userToken").token
}

/** One notify call with the app secret (and extra headers, e.g. `Idempotency-Key`); throws on anything but a 202 JSON answer. */
export const notify = async (
  server: HttpEndpoint,
  app: TestApp,
  body: Record<string, unknown>,
  headers?: Record<string, string>
): Promise<NotifyResponse> => {
  const res = await request<NotifyResponse>(server.url, "POST", "/v1/notify", {
    token: app.secret,
    body,
    ...(headers === undefined ? {} : { headers })
  })
  return expected(res, 202, "notify")
}
