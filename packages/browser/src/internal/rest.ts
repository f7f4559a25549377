/**
 * The user's REST calls (PROTOCOL.md §3.3): JSON in and out with the user token as bearer. A
 * refused token (401) is replaced once through the token source when it can fetch another.
 */
import { PushBackError } from "../PushBackError.js"
import type { Tokens } from "./tokens.js"

/** One call: the JSON answer and its headers; rejects with a `PushBackError` on a refusal. */
export type Rest = <T>(method: string, path: string, body?: unknown) => Promise<[T, Headers]>

/** Calls on the server at `url` with `fetch`; `refresh`: a refused token can be replaced. */
export const makeRest = (
  fetch: typeof globalThis.fetch,
  url: string,
  tokens: Tokens,
  refresh: boolean
): Rest => {
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    retried?: boolean
  ): Promise<[T, Headers]> => {
    const used = await tokens.get()
    const json = body !== undefined
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${used}`, ...(json && { "content-type": "application/json" }) },
      body: json ? JSON.stringify(body) : null
    })
    if (res.status === 401 && refresh && !retried) {
      tokens.forget(used)
      return call(method, path, body, true)
    }
    const answer = res.status === 204 ? undefined : await res.json()
    if (!res.ok) {
      const error = (answer as { error?: { code: string; message: string } } | undefined)?.error
      throw new PushBackError(res.status, error?.code ?? "internal", error?.message ?? `HTTP ${res.status}`)
    }
    return [answer as T, res.headers]
  }
  return call
}
