/**
 * verifyWebhook against the Standard Webhooks library: what the library signs verifies (one
 * secret, two after a rotation, Node and fetch headers, a raw Buffer), and a changed body, a
 * wrong secret, a stale or future timestamp, a missing header or a malformed signature throw.
 */
import { randomBytes } from "node:crypto"
import { Webhook } from "standardwebhooks"
import { describe, expect, it } from "vitest"
import { verifyWebhook, WebhookVerificationError } from "../../src/index.js"

const secret = () => `whsec_${randomBytes(24).toString("base64")}`

const signed = (key: string, body: string, at = new Date(), id = "evt_1") => ({
  "webhook-id": id,
  "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
  "webhook-signature": new Webhook(key).sign(id, at, body)
})

const body = JSON.stringify({
  type: "webhook.test",
  timestamp: new Date().toISOString(),
  data: { app: "app_1" }
})

describe("verifyWebhook", () => {
  it("answers the event the library signed, with Node or fetch headers, a string or a Buffer", () => {
    const key = secret()
    const headers = signed(key, body)
    expect(verifyWebhook(body, headers, key)).toEqual(JSON.parse(body))
    expect(verifyWebhook(Buffer.from(body), new Headers(headers), key).type).toBe("webhook.test")
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]))
    expect(verifyWebhook(body, upper, key).data).toEqual({ app: "app_1" })
  })

  it("accepts either signature after a rotation, and any one of several secrets", () => {
    const [older, newer] = [secret(), secret()]
    const at = new Date()
    const one = signed(newer, body, at)
    const both = {
      ...one,
      "webhook-signature": `${one["webhook-signature"]} ${new Webhook(older).sign("evt_1", at, body)}`
    }
    expect(verifyWebhook(body, both, older).type).toBe("webhook.test")
    expect(verifyWebhook(body, both, newer).type).toBe("webhook.test")
    expect(verifyWebhook(body, one, [older, newer]).type).toBe("webhook.test")
  })

  it("throws for a changed body, a wrong secret, an old or future timestamp, missing or bad headers", () => {
    const key = secret()
    const headers = signed(key, body)
    const fails = (f: () => unknown, why: RegExp) => {
      expect(f).toThrow(WebhookVerificationError)
      expect(f).toThrow(why)
    }
    fails(() => verifyWebhook(`${body} `, headers, key), /no signature matches/)
    fails(() => verifyWebhook(body, headers, secret()), /no signature matches/)
    const old = new Date(Date.now() - 6 * 60_000)
    fails(() => verifyWebhook(body, signed(key, body, old), key), /too far from now/)
    const future = new Date(Date.now() + 6 * 60_000)
    fails(() => verifyWebhook(body, signed(key, body, future), key), /too far from now/)
    expect(verifyWebhook(body, signed(key, body, old), key, { toleranceSeconds: 600 }).type).toBe(
      "webhook.test"
    )
    fails(() => verifyWebhook(body, { ...headers, "webhook-signature": undefined }, key), /missing/)
    fails(
      () => verifyWebhook(body, { ...headers, "webhook-signature": "v1,AAAA" }, key),
      /no signature matches/
    )
    fails(
      () => verifyWebhook(body, { ...headers, "webhook-signature": "garbage" }, key),
      /no signature matches/
    )
    fails(() => verifyWebhook(body, { ...headers, "webhook-timestamp": "12x" }, key), /not a number/)
    // Signed for another id: the id is part of what is signed.
    fails(() => verifyWebhook(body, { ...headers, "webhook-id": "evt_2" }, key), /no signature matches/)
  })
})
