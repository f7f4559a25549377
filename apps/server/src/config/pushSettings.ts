/**
 * The `push` block of the configuration (PROTOCOL.md §14): the VAPID subject (checked at start:
 * a `mailto:` or `https:` URL with a real domain, since push services refuse the rest), the keys
 * when the operator gives them (`PUSHBACK_VAPID_PUBLIC_KEY`/`_PRIVATE_KEY`, checked to be one
 * P-256 pair; else the database keeps a generated pair), which push service hosts an endpoint
 * may name, whether private addresses are allowed (tests), and how the outbox polls and retries
 * push jobs.
 */
import { createECDH } from "node:crypto"
import { isIP } from "node:net"
import type { EmailTuning, PushSettings } from "./settings.js"
import { ConfigError } from "./values.js"

/** The push services of the major browsers (PROTOCOL.md §14). */
export const DEFAULT_PUSH_HOSTS: ReadonlyArray<string> = [
  "*.googleapis.com",
  "*.google.com",
  "*.mozilla.com",
  "*.mozaws.net",
  "*.windows.com",
  "*.notify.windows.com",
  "*.push.apple.com"
]

/** Push retries with backoff for about a day, as email does, but sooner at first. */
export const DefaultPushTuning: EmailTuning = {
  pollMs: 5_000,
  retryMs: 10_000,
  retryMaxMs: 3_600_000,
  retryForSeconds: 86_400,
  leaseSeconds: 60
}

/** Names that never reach a real mailbox or site (RFC 2606, RFC 6761, mDNS). */
const FAKE_DOMAIN = /(^|\.)(localhost|local|invalid|test|example|internal|home\.arpa|lan)$/i

/** Whether `host` is a domain a push service accepts in a VAPID subject. */
const isRealDomain = (host: string) =>
  host.includes(".") && isIP(host.replace(/^\[|\]$/g, "")) === 0 && !FAKE_DOMAIN.test(host)

/** A VAPID subject as given, or a ConfigError saying why a push service would refuse it. */
export const toVapidSubject = (value: unknown, from: string): string | undefined => {
  if (value === undefined) return undefined
  const text = String(value)
  const refuse = () =>
    new ConfigError(
      `${from} ${text}: a VAPID subject is mailto:you@your-domain or https://your-domain (a real domain: push services refuse localhost and the like)`
    )
  if (text.startsWith("mailto:")) {
    const at = text.lastIndexOf("@")
    if (at < 8 || !isRealDomain(text.slice(at + 1))) throw refuse()
    return text
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw refuse()
  }
  if (url.protocol !== "https:" || !isRealDomain(url.hostname)) throw refuse()
  return text
}

/** Whether `privateKey` is a P-256 private key and `publicKey` its public key (both base64url). */
const isKeyPair = (publicKey: string, privateKey: string): boolean => {
  const ecdh = createECDH("prime256v1")
  try {
    ecdh.setPrivateKey(Buffer.from(privateKey, "base64url"))
  } catch {
    return false
  }
  return ecdh.getPublicKey("base64url") === publicKey
}

/** The push settings from the environment and the config file's `push` block. */
export const readPushSettings = (
  file: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  where: string
): PushSettings => {
  const given = file["push"] ?? {}
  if (typeof given !== "object" || given === null || Array.isArray(given))
    throw new ConfigError(`"push" in ${where}: must be an object`)
  const block = given as Record<string, unknown>
  const tuning: Record<string, number> = { ...DefaultPushTuning }
  const known = new Set(["vapidSubject", "publicKey", "privateKey", "allowedHosts", "allowPrivate"])
  for (const [key, value] of Object.entries(block)) {
    if (known.has(key)) continue
    if (!(key in tuning)) throw new ConfigError(`"push.${key}" in ${where}: unknown setting`)
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
      throw new ConfigError(`"push.${key}" in ${where}: must be a positive number`)
    tuning[key] = value
  }
  const hosts = block["allowedHosts"] ?? DEFAULT_PUSH_HOSTS
  if (!Array.isArray(hosts) || !hosts.every((h) => typeof h === "string" && h.length > 0))
    throw new ConfigError(`"push.allowedHosts" in ${where}: must be a list of host names`)
  if (block["allowPrivate"] !== undefined && typeof block["allowPrivate"] !== "boolean")
    throw new ConfigError(`"push.allowPrivate" in ${where}: must be true or false`)
  const subjectFrom =
    env["PUSHBACK_VAPID_SUBJECT"] !== undefined ? "PUSHBACK_VAPID_SUBJECT" : `"push.vapidSubject" in ${where}`
  const publicKey = env["PUSHBACK_VAPID_PUBLIC_KEY"] ?? (block["publicKey"] as string | undefined)
  const privateKey = env["PUSHBACK_VAPID_PRIVATE_KEY"] ?? (block["privateKey"] as string | undefined)
  if ((publicKey === undefined) !== (privateKey === undefined))
    throw new ConfigError(
      "PUSHBACK_VAPID_PUBLIC_KEY and PUSHBACK_VAPID_PRIVATE_KEY: give both keys of the pair, or neither"
    )
  if (publicKey !== undefined && !/^[A-Za-z0-9_-]{87}$/.test(publicKey))
    throw new ConfigError(
      "PUSHBACK_VAPID_PUBLIC_KEY: a P-256 public key, 65 bytes in base64url (87 characters)"
    )
  if (privateKey !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(privateKey))
    throw new ConfigError(
      "PUSHBACK_VAPID_PRIVATE_KEY: a P-256 private key, 32 bytes in base64url (43 characters)"
    )
  if (publicKey !== undefined && privateKey !== undefined && !isKeyPair(publicKey, privateKey))
    throw new ConfigError(
      "PUSHBACK_VAPID_PUBLIC_KEY and PUSHBACK_VAPID_PRIVATE_KEY: not one P-256 key pair (the public key is not the private key's), so every push would be refused"
    )
  return {
    vapidSubject: toVapidSubject(env["PUSHBACK_VAPID_SUBJECT"] ?? block["vapidSubject"], subjectFrom),
    publicKey,
    privateKey,
    allowedHosts: hosts as Array<string>,
    allowPrivate: block["allowPrivate"] === true,
    tuning: tuning as unknown as EmailTuning
  }
}
