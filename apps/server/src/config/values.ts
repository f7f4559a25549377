/**
 * Checking each given setting: the config file as a JSON object, ports, counts, SMTP URLs, the
 * `limits` and `email` blocks. Each refusal is a ConfigError of one line that names where the
 * value came from (`--port`, `PUSHBACK_PORT`, `"port" in x.json`), so the CLI can print it and exit.
 */
import { readFileSync } from "node:fs"
import { DefaultLimits, type Limits } from "@pushback/protocol"
import { DefaultEmailTuning, DefaultWebhookTuning, type EmailTuning, type WebhookTuning } from "./settings.js"
import { StartupError } from "./StartupError.js"

/** A config problem the CLI reports (one line naming the setting) and exits on. */
export class ConfigError extends StartupError {
  override readonly name = "ConfigError"
}

/** A setting as given, with where it came from (`--port`, `PUSHBACK_PORT`, `"port" in x.json`). */
export interface Given {
  readonly value: unknown
  readonly from: string
}

/** The config file's settings (none without a path); `from` names the flag or variable that gave the path. */
export const readConfigFile = (path: string | undefined, from: string): Record<string, unknown> => {
  if (path === undefined) return {}
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    const code = (e as { code?: string }).code
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : (e as Error).message
    throw new ConfigError(`${from} ${path}: cannot read the config file (${why})`)
  }
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object")
    return value as Record<string, unknown>
  } catch (e) {
    throw new ConfigError(`${from} ${path}: the config file is not a JSON object (${(e as Error).message})`)
  }
}

/** A given value as an operator typed it: a flag or variable as is, a file's value as JSON. */
const shown = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value))

/** A TCP port (0 lets the system choose). */
export const toPort = ({ value, from }: Given): number => {
  const n = typeof value === "number" ? value : Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(`${from} ${shown(value)}: a port is a whole number from 0 to 65535`)
  }
  return n
}

/** A whole number of 1 or more. */
export const toPositiveInt = ({ value, from }: Given): number => {
  const n = typeof value === "number" ? value : Number(value)
  if (!Number.isInteger(n) || n < 1) {
    throw new ConfigError(`${from} ${shown(value)}: must be a whole number of 1 or more`)
  }
  return n
}

/** Limits bounded by the protocol's schemas rather than by configuration. */
const FIXED_LIMITS = new Set([
  "maxPageLimit",
  "maxUserIdLength",
  "maxTypeNameLength",
  "maxIdempotencyKeyLength"
])

/** The file's `limits` block over the protocol's defaults (PROTOCOL.md §5). */
export const readLimits = (file: Record<string, unknown>, where: string): Limits => {
  const limits: Limits = { ...DefaultLimits }
  const given = file["limits"]
  if (given === undefined) return limits
  if (typeof given !== "object" || given === null)
    throw new ConfigError(`"limits" in ${where}: must be an object`)
  for (const [key, value] of Object.entries(given)) {
    if (!(key in limits)) throw new ConfigError(`"limits.${key}" in ${where}: unknown limit`)
    if (FIXED_LIMITS.has(key)) throw new ConfigError(`"limits.${key}" in ${where}: fixed by the protocol`)
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new ConfigError(`"limits.${key}" in ${where}: must be a positive number`)
    }
    limits[key as keyof Limits] = value
  }
  return limits
}

/** The file's `email` block over the email tuning defaults. */
export const readEmailTuning = (file: Record<string, unknown>, where: string): EmailTuning => {
  const given = file["email"]
  if (given === undefined) return DefaultEmailTuning
  if (typeof given !== "object" || given === null || Array.isArray(given))
    throw new ConfigError(`"email" in ${where}: must be an object`)
  const tuning: Record<string, number> = { ...DefaultEmailTuning }
  for (const [key, value] of Object.entries(given)) {
    if (!(key in tuning)) throw new ConfigError(`"email.${key}" in ${where}: unknown setting`)
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new ConfigError(`"email.${key}" in ${where}: must be a positive number`)
    }
    tuning[key] = value
  }
  return tuning as unknown as EmailTuning
}

/** The file's `webhooks` block over the webhook defaults (PROTOCOL.md §15). */
export const readWebhookTuning = (file: Record<string, unknown>, where: string): WebhookTuning => {
  const given = file["webhooks"]
  if (given === undefined) return DefaultWebhookTuning
  if (typeof given !== "object" || given === null || Array.isArray(given))
    throw new ConfigError(`"webhooks" in ${where}: must be an object`)
  const tuning: Record<string, unknown> = { ...DefaultWebhookTuning }
  const positive = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v > 0
  for (const [key, value] of Object.entries(given)) {
    const at = `"webhooks.${key}" in ${where}`
    if (!(key in tuning)) throw new ConfigError(`${at}: unknown setting`)
    if (key === "allowPrivate") {
      if (typeof value !== "boolean") throw new ConfigError(`${at}: must be true or false`)
    } else if (key === "retrySeconds") {
      if (!Array.isArray(value) || !value.every(positive))
        throw new ConfigError(`${at}: must be a list of positive numbers`)
    } else if (!positive(value)) throw new ConfigError(`${at}: must be a positive number`)
    tuning[key] = value
  }
  return tuning as unknown as WebhookTuning
}

/** An SMTP URL as given: `smtp://` or `smtps://` with a host (its password is never repeated). */
export const toSmtpUrl = ({ value, from }: Given): string | undefined => {
  if (value === undefined) return undefined
  const text = String(value)
  let url: URL | undefined
  try {
    url = new URL(text)
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== "smtp:" && url.protocol !== "smtps:") || url.hostname === "") {
    throw new ConfigError(`${from}: use smtp://[user:pass@]host:port, or smtps://… for TLS`)
  }
  return text
}
