/**
 * Tiny JSON-over-HTTP helpers for tests: every call returns status, headers and parsed body.
 */

export interface Reply<T = unknown> {
  readonly status: number
  readonly headers: Headers
  readonly body: T
  readonly text: string
}

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

export interface TestApp {
  readonly id: string
  readonly secret: string
  readonly name: string
}

/** Creates an app through the operator API and returns its id and secret. */
export const createApp = async (
  server: { url: string; adminToken: string },
  name = "test-app"
): Promise<TestApp> => {
  const res = await request<TestApp>(server.url, "POST", "/v1/apps", {
    token: server.adminToken,
    body: { name }
  })
  if (res.status !== 201) throw new Error(`createApp failed: ${res.status} ${res.text}`)
  return res.body
}

/** Mints a user token through `POST /v1/tokens`. */
export const userToken = async (
  server: { url: string },
  app: TestApp,
  user: string,
  ttlSeconds?: number
): Promise<string> => {
  const res = await request<{ token: string }>(server.url, "POST", "/v1/tokens", {
    token: app.secret,
    body: ttlSeconds === undefined ? { user } : { user, ttlSeconds }
  })
  if (res.status !== 200) throw new Error(`token failed: ${res.status} ${res.text}`)
  return res.body.token
}

/** One notify call with the app secret; throws on anything but 202. */
export const notify = async (server: { url: string }, app: TestApp, body: Record<string, unknown>) => {
  const res = await request<{ id: string; recipients: number; online: number; emails: number }>(
    server.url,
    "POST",
    "/v1/notify",
    {
      token: app.secret,
      body
    }
  )
  if (res.status !== 202) throw new Error(`notify failed: ${res.status} ${res.text}`)
  return res.body
}
