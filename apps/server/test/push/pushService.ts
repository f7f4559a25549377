/**
 * A Web Push service on loopback for the push tests (PROTOCOL.md §14): HTTPS with a
 * self-signed certificate made for the test (the server under test trusts it through
 * `NODE_EXTRA_CA_CERTS`), that checks every request as a real push service would — the VAPID
 * header (`vapid t=<ES256 JWT>, k=<public key>`: signature, `aud` = this origin, `exp` within
 * 24 h, `sub`), the `aes128gcm` encoding, `TTL` — and decrypts each payload with the
 * subscription's private key (`http_ece`, the library `web-push` itself encrypts with). Each
 * subscription is a browser's: its own P-256 key pair and auth secret. Tests script answers
 * (410, 429 with `Retry-After`, 5xx) per subscription, and take the service down and up.
 */
import { createECDH, createPublicKey, type ECDH, randomBytes, verify } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import ece from "http_ece"
import { commandOk } from "../../../../scripts/vitest/command.mjs"

/** A push as the service received it, decrypted. */
export interface ReceivedPush {
  readonly subscription: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The decrypted payload as JSON. */
  readonly message: Record<string, unknown>
  /** The payload's bytes before encryption. */
  readonly bytes: number
}

/** A scripted answer: a status and headers. */
export interface Answer {
  readonly status: number
  readonly headers?: Record<string, string>
}

/** One browser's subscription: what it posts to the server, and its private half. */
export interface TestSubscription {
  readonly name: string
  readonly endpoint: string
  readonly keys: { readonly p256dh: string; readonly auth: string }
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl; its files' directory. */
const makeCertificate = async () => {
  const dir = mkdtempSync(join(tmpdir(), "pushback-push-tls-"))
  await commandOk("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    join(dir, "key.pem"),
    "-out",
    join(dir, "cert.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=pushback test push service",
    "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost"
  ])
  return dir
}

const b64 = (s: string) => Buffer.from(s, "base64url")

/** Why a VAPID header is refused, or undefined when it is valid for `origin` and `subject`. */
const vapidProblem = (
  authorization: string | undefined,
  origin: string,
  subject: string
): string | undefined => {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? "")
  if (m === null) return `no vapid Authorization header: ${authorization}`
  const [head, body, sig] = m[1]!.split(".")
  if (head === undefined || body === undefined || sig === undefined) return "malformed JWT"
  const header = JSON.parse(b64(head).toString()) as { alg?: string }
  if (header.alg !== "ES256") return `alg ${header.alg}`
  const key = b64(m[2]!)
  if (key.length !== 65 || key[0] !== 4) return "k is not an uncompressed P-256 key"
  const publicKey = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: key.subarray(1, 33).toString("base64url"),
      y: key.subarray(33).toString("base64url")
    },
    format: "jwk"
  })
  const signed = verify(
    "sha256",
    Buffer.from(`${head}.${body}`),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    b64(sig)
  )
  if (!signed) return "bad ES256 signature"
  const claims = JSON.parse(b64(body).toString()) as { aud?: string; exp?: number; sub?: string }
  const now = Date.now() / 1000
  if (claims.aud !== origin) return `aud ${claims.aud}, expected ${origin}`
  if (typeof claims.exp !== "number" || claims.exp <= now || claims.exp > now + 24 * 3600)
    return `exp ${claims.exp}`
  if (claims.sub !== subject) return `sub ${claims.sub}, expected ${subject}`
  return undefined
}

/** Starts the service; `subject` is the VAPID subject the server is configured with. */
export const startPushService = async (subject: string) => {
  const dir = await makeCertificate()
  const browsers = new Map<string, { ecdh: ECDH; auth: string }>()
  const scripted = new Map<string, Array<Answer>>()
  const received: Array<ReceivedPush> = []
  const refused: Array<string> = []
  /** Every request to a known subscription: when, and the status answered. */
  const attempts: Array<{ subscription: string; at: number; status: number }> = []
  const waiters = new Set<() => void>()
  let port = 0
  let server: Server | undefined

  const handle = (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const name = /^\/push\/([^/]+)$/.exec(req.url ?? "")?.[1]
      const browser = name === undefined ? undefined : browsers.get(name)
      const refuse = (status: number, why: string) => {
        refused.push(`${name}: ${why}`)
        res.writeHead(status, { "content-type": "text/plain" }).end(why)
        for (const w of waiters) w()
      }
      if (req.method !== "POST" || name === undefined || browser === undefined)
        return refuse(404, "no such subscription")
      const problem = vapidProblem(req.headers.authorization, `https://127.0.0.1:${port}`, subject)
      if (problem !== undefined) return refuse(403, problem)
      if (req.headers["content-encoding"] !== "aes128gcm")
        return refuse(400, `encoding ${req.headers["content-encoding"]}`)
      if (req.headers.ttl === undefined) return refuse(400, "no TTL")
      const answer = scripted.get(name)?.shift()
      attempts.push({ subscription: name, at: Date.now(), status: answer?.status ?? 201 })
      if (answer !== undefined && (answer.status < 200 || answer.status > 299)) {
        res.writeHead(answer.status, answer.headers ?? {}).end(`scripted ${answer.status}`)
        if (answer.status === 410) browsers.delete(name)
        for (const w of waiters) w()
        return
      }
      let plain: Buffer
      try {
        plain = ece.decrypt(Buffer.concat(chunks), {
          version: "aes128gcm",
          privateKey: browser.ecdh,
          authSecret: browser.auth
        })
      } catch (e) {
        return refuse(400, `cannot decrypt: ${(e as Error).message}`)
      }
      received.push({
        subscription: name,
        headers: req.headers,
        message: JSON.parse(plain.toString("utf8")) as Record<string, unknown>,
        bytes: plain.length
      })
      res.writeHead(201, { location: `/message/${received.length}` }).end()
      for (const w of waiters) w()
    })
  }

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(
        { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
        handle
      )
      s.once("error", reject)
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as { port: number }).port
        server = s
        resolve()
      })
    })
  await listen()

  const close = () =>
    new Promise<void>((resolve) => {
      if (server === undefined) return resolve()
      server.close(() => resolve())
      server.closeAllConnections()
      server = undefined
    })

  return {
    /** The certificate file to trust (`NODE_EXTRA_CA_CERTS`). */
    caFile: join(dir, "cert.pem"),
    get origin() {
      return `https://127.0.0.1:${port}`
    },
    received,
    attempts,
    /** Requests refused (bad VAPID, encoding, decryption, unknown subscription), with why. */
    refused,
    /** A new browser's subscription, as `PushSubscription.toJSON()` gives it. */
    subscription: (name: string): TestSubscription => {
      const ecdh = createECDH("prime256v1")
      ecdh.generateKeys()
      const auth = randomBytes(16).toString("base64url")
      browsers.set(name, { ecdh, auth })
      return {
        name,
        endpoint: `https://127.0.0.1:${port}/push/${name}`,
        keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth }
      }
    },
    /** The next answers to pushes to `name` (then 201 again). */
    script: (name: string, ...answers: Array<Answer>) => {
      scripted.set(name, [...(scripted.get(name) ?? []), ...answers])
    },
    /** Pushes received for `name`. */
    to: (name: string) => received.filter((r) => r.subscription === name),
    /** Waits until `done` holds (checked on every request), at most `timeoutMs`. */
    waitFor: (done: () => boolean, timeoutMs = 10_000, what = "pushes") =>
      new Promise<void>((resolve, reject) => {
        if (done()) return resolve()
        const check = () => {
          if (!done()) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(
            new Error(
              `never got ${what}: received ${JSON.stringify(received.map((r) => r.subscription))}, refused ${JSON.stringify(refused)}`
            )
          )
        }, timeoutMs)
        waiters.add(check)
      }),
    /** Stops listening (the port stays this service's: `up` listens on it again). */
    down: close,
    up: listen,
    stop: async () => {
      await close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** A running loopback push service. */
export type PushService = Awaited<ReturnType<typeof startPushService>>
