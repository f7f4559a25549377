/**
 * Receiving PushBack's webhooks (PROTOCOL.md §15): `verifyWebhook` checks a request the way the
 * Standard Webhooks scheme says — an HMAC-SHA256, keyed with the endpoint's `whsec_…` secret
 * (base64 after the prefix), of `webhook-id.webhook-timestamp.body`, compared in constant time
 * with each `v1,<base64>` of `webhook-signature` (two after a rotation), and a timestamp within
 * five minutes of now — and answers the event. Use the raw body as received: parsed and
 * re-serialized JSON no longer matches its signature.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import type { WebhookEvent } from "@pushback/protocol"

/** Thrown by {@link verifyWebhook} when a request is not a genuine, fresh PushBack webhook. */
export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError"
}

/** Headers as Node's `req.headers`, a plain object, or a fetch `Headers`. */
export type WebhookHeaders =
  | { readonly get: (name: string) => string | null }
  | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** How far the timestamp may be from now, in seconds (default 300). */
  readonly toleranceSeconds?: number
  /** The current time in ms (tests). */
  readonly now?: number
}

const header = (headers: WebhookHeaders, name: string): string | undefined => {
  if (typeof headers.get === "function")
    return (headers as { get: (n: string) => string | null }).get(name) ?? undefined
  const record = headers as Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  const key = Object.keys(record).find((k) => k.toLowerCase() === name)
  const value = key === undefined ? undefined : record[key]
  return Array.isArray(value) ? value[0] : (value as string | undefined)
}

const keyOf = (secret: string): Buffer => {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64")
  if (key.length === 0)
    throw new WebhookVerificationError("the secret is empty; use the endpoint's whsec_… secret")
  return key
}

/**
 * Verifies a webhook request and answers its event (`{type, timestamp, data}`, or a batch's
 * `{type: "batch", …, data: {events}}`); throws {@link WebhookVerificationError} otherwise.
 * `secret` may be several (during a rotation on your side): any one verifying is enough.
 */
export const verifyWebhook = (
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string | ReadonlyArray<string>,
  options: VerifyWebhookOptions = {}
): WebhookEvent => {
  const id = header(headers, "webhook-id")
  const timestamp = header(headers, "webhook-timestamp")
  const signature = header(headers, "webhook-signature")
  if (id === undefined || timestamp === undefined || signature === undefined) {
    throw new WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header")
  }
  const seconds = /^\d+$/.test(timestamp) ? Number(timestamp) : Number.NaN
  const now = (options.now ?? Date.now()) / 1000
  const tolerance = options.toleranceSeconds ?? 300
  if (!Number.isFinite(seconds))
    throw new WebhookVerificationError("webhook-timestamp is not a number of seconds")
  if (Math.abs(now - seconds) > tolerance) {
    throw new WebhookVerificationError("webhook-timestamp is too far from now (a replay, or a wrong clock)")
  }
  const body = typeof rawBody === "string" ? Buffer.from(rawBody) : Buffer.from(rawBody)
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body])
  const given = signature
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => Buffer.from(s.slice(3), "base64"))
  const secrets = typeof secret === "string" ? [secret] : secret
  const valid = secrets.some((s) => {
    const expected = createHmac("sha256", keyOf(s)).update(signed).digest()
    return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected))
  })
  if (!valid) throw new WebhookVerificationError("no signature matches the secret")
  try {
    return JSON.parse(body.toString("utf8")) as WebhookEvent
  } catch {
    throw new WebhookVerificationError("the body is not JSON")
  }
}
