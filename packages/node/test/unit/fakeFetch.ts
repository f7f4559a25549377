/**
 * An in-process fake of the server for unit tests: a `fetch` that answers from a script and
 * records every request, plus an instant `sleep` that records how long it was asked to wait.
 *
 * Script steps:
 * - `{ status, body?, headers? }`: an answer (`body` is JSON-encoded unless a string);
 * - `{ fail: error }`: fetch rejects before any answer (a refused or reset connection);
 * - `"hang"`: never answers, until the SDK's timeout aborts the request;
 * - a function of the request returning one of the above.
 * The last step repeats once the script runs out.
 */
import type { FetchInit, FetchLike, FetchResponse } from "../../src/index.js"

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> }
export type Step =
  | Answer
  | { fail: unknown }
  | "hang"
  | ((request: Recorded) => Answer | { fail: unknown } | "hang")

/** A request as the fake saw it. */
export interface Recorded {
  readonly url: URL
  readonly method: string
  readonly headers: Record<string, string>
  /** The parsed JSON body, if any. */
  readonly body: unknown
}

export interface Fake {
  readonly fetch: FetchLike
  readonly requests: Array<Recorded>
  readonly sleeps: Array<number>
  readonly sleep: (ms: number) => Promise<void>
}

/** A connection error as Node's fetch reports it: `TypeError("fetch failed")` with a coded cause. */
export const connectionError = (code: string): TypeError =>
  new TypeError("fetch failed", { cause: Object.assign(new Error(`connect ${code}`), { code }) })

export const fake = (...script: Array<Step>): Fake => {
  const requests: Array<Recorded> = []
  const sleeps: Array<number> = []
  let index = 0
  const fetch: FetchLike = async (url: string, init: FetchInit): Promise<FetchResponse> => {
    const recorded: Recorded = {
      url: new URL(url),
      method: init.method,
      headers: init.headers,
      body: init.body === undefined ? undefined : JSON.parse(init.body)
    }
    requests.push(recorded)
    const step = script[Math.min(index++, script.length - 1)]
    if (step === undefined) throw new Error("empty script")
    const outcome = typeof step === "function" ? step(recorded) : step
    if (outcome === "hang") {
      return new Promise((_, reject) => {
        init.signal.addEventListener("abort", () =>
          reject(new DOMException("This operation was aborted", "AbortError"))
        )
      })
    }
    if ("fail" in outcome) throw outcome.fail
    const text =
      outcome.body === undefined
        ? ""
        : typeof outcome.body === "string"
          ? outcome.body
          : JSON.stringify(outcome.body)
    return new Response(outcome.status === 204 ? null : text, {
      status: outcome.status,
      headers: { "content-type": "application/json", ...outcome.headers }
    })
  }
  return {
    fetch,
    requests,
    sleeps,
    sleep: async (ms) => {
      sleeps.push(ms)
    }
  }
}

/** The protocol error body (§3.5). */
export const errorBody = (code: string, message = `a ${code} error`, details?: unknown) => ({
  error: details === undefined ? { code, message } : { code, message, details }
})

export const SECRET = "app_7Hc2k9xY.Qm9xQm9xQm9xQm9xQm9xQm9xQm9xQm9xQm9xQm9xQm9xQm9"
export const URL_ = "http://pushback.test"

export const notifyAnswer = { status: 202, body: { id: "n_1", recipients: 2, online: 1, emails: 0 } }
