/**
 * The dashboard's only way to the server: the documented HTTP API with the admin token, which
 * lives in this tab's sessionStorage (never a URL, never a cookie). A non-2xx answer becomes an
 * ApiError carrying the server's own message.
 */
import type { Stats } from "@pushback/protocol/types"

const TOKEN_KEY = "pushback.adminToken"

/** The signed-in admin token, or null. */
export const storedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY)

/** Keeps (or, with null, forgets) the admin token for this tab. */
export const storeToken = (token: string | null): void => {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY)
  else sessionStorage.setItem(TOKEN_KEY, token)
}

/** A non-2xx answer: its status and the server's error message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

/** Calls the API with `token` (default: the stored one); answers the parsed JSON body. */
export const api = async <T>(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = storedToken()
): Promise<T> => {
  const headers: Record<string, string> = {}
  if (token !== null) headers["authorization"] = `Bearer ${token}`
  if (body !== undefined) headers["content-type"] = "application/json"
  const res = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  if (res.status === 204) return undefined as T
  const json = (await res.json().catch(() => ({}))) as { error?: { message?: string } }
  if (!res.ok) throw new ApiError(res.status, json.error?.message ?? `HTTP ${res.status}`)
  return json as T
}

/** An app as the apps list shows it. */
export interface AppSummary {
  readonly id: string
  readonly name: string
  readonly createdAt: string
}

/** An app's totals (`GET /v1/apps/{id}/stats`, as `GET /v1/stats`). */
export type Totals = Stats

/** `GET /v1/apps/{id}`. */
export interface AppDetail extends AppSummary {
  readonly counts: Totals
  readonly eventTypes: ReadonlyArray<{ name: string; title: string; description: string | null }>
}
