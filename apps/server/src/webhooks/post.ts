/**
 * One HTTP attempt of a webhook (PROTOCOL.md §15): a POST of the signed body with `node:http(s)`,
 * success being a 2xx within the timeout. Redirects are not followed (a 3xx is a failed attempt),
 * and unless private targets are allowed the connection's DNS lookup refuses private addresses
 * (targets.ts). The answer's body is read and dropped; `Retry-After` is kept. Connections are
 * kept alive between attempts (one pool per node): a receiver gets many events, and a new TCP
 * (and TLS) connection for each cost more than the request itself. A pooled connection was
 * checked when it was opened; the address it reaches does not change while it stays open.
 */
import { Agent as HttpAgent, request as httpRequest } from "node:http"
import { Agent as HttpsAgent, request as httpsRequest } from "node:https"
import { guardedLookup, refuseLiteral } from "./targets.js"

/** How an attempt ended: an HTTP status, or no answer at all. */
export type PostOutcome =
  | { readonly status: number; readonly retryAfterMs: number | undefined; readonly ms: number }
  | { readonly status: null; readonly error: string; readonly ms: number }

/** The most `Retry-After` is honoured (a day). */
const MAX_RETRY_AFTER_MS = 86_400_000

/** `Retry-After` as milliseconds: seconds or an HTTP date. */
export const retryAfterMs = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  const text = value.trim()
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined
}

/** What one attempt sends. */
export interface PostRequest {
  readonly url: string
  readonly body: string
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMs: number
  readonly allowPrivate: boolean
}

/**
 * Kept-alive connections to receivers; an idle one is closed after 4 s (before most servers close
 * it). As many are kept free as are used at once (the sender has 32 in flight): keeping fewer
 * closed half of them after each burst and opened them again for the next.
 */
const POOL = {
  keepAlive: true,
  maxSockets: 32,
  maxFreeSockets: 32,
  timeout: 4_000,
  scheduling: "lifo"
} as const
const httpAgent = new HttpAgent(POOL)
const httpsAgent = new HttpsAgent(POOL)

/** POSTs once; never rejects. */
export const postWebhook = (req: PostRequest): Promise<PostOutcome> =>
  new Promise((done) => {
    const started = performance.now()
    const elapsed = () => Math.round(performance.now() - started)
    let settled = false
    const finish = (outcome: PostOutcome) => {
      if (settled) return
      settled = true
      done(outcome)
    }
    const fail = (error: string) => finish({ status: null, error, ms: elapsed() })
    let url: URL
    try {
      url = new URL(req.url)
    } catch {
      return fail("not a valid URL")
    }
    if (!req.allowPrivate) {
      const refused = refuseLiteral(url)
      if (refused !== undefined) return fail(`refused: ${refused}`)
    }
    const https = url.protocol === "https:"
    const send = https ? httpsRequest : httpRequest
    const body = Buffer.from(req.body)
    const signal = AbortSignal.timeout(req.timeoutMs)
    /** One request; a kept-alive connection the receiver closed just then is replaced once. */
    const post = (again: boolean) => {
      const r = send(
        url,
        {
          method: "POST",
          headers: {
            ...req.headers,
            "content-type": "application/json",
            "content-length": String(body.length),
            "user-agent": "PushBack-Webhooks"
          },
          agent: https ? httpsAgent : httpAgent,
          signal,
          ...(req.allowPrivate ? {} : { lookup: guardedLookup })
        },
        (res) => {
          res.resume()
          res.on("error", () => undefined)
          const header = res.headers["retry-after"]
          finish({
            status: res.statusCode ?? 0,
            retryAfterMs: retryAfterMs(header, Date.now()),
            ms: elapsed()
          })
        }
      )
      r.on("error", (e: Error & { code?: string }) => {
        if (!again && r.reusedSocket && e.code === "ECONNRESET") return post(true)
        if (e.name === "PrivateTargetError") return fail(`refused: ${e.message}`)
        if (e.name === "AbortError" || e.name === "TimeoutError")
          return fail(`no answer within ${req.timeoutMs} ms`)
        fail(e.code === undefined ? e.message : `${e.code}: ${e.message}`)
      })
      r.end(body)
    }
    post(false)
  })
