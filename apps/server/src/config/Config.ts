/**
 * Config: every setting of PROTOCOL.md §4.2 and the limits of §5, resolved once at start
 * from CLI flags, then environment variables, then a JSON config file, then defaults.
 */
import { randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { dirname, join, resolve } from "node:path"
import { DefaultLimits, type Limits } from "@pushback/protocol"
import { Context } from "effect"
import { isPostgresUrl } from "./DatabaseUrl.js"
import { StartupError, storageFailure } from "./StartupError.js"

/** Resolved settings. */
export interface ServerConfig {
  readonly port: number
  readonly host: string
  readonly databaseUrl: string
  readonly redisUrl: string | undefined
  /** This node's name in the cluster (Presence, connections by node): `PUSHBACK_NODE_ID`. */
  readonly nodeId: string
  readonly smtpUrl: string | undefined
  /** The From of every email (PROTOCOL.md §7). */
  readonly emailFrom: string
  /** How the email outbox polls and retries. */
  readonly email: EmailTuning
  readonly adminToken: string
  /** True when the admin token was generated on this start (print it once). */
  readonly adminTokenGenerated: boolean
  readonly dataDir: string
  /** `*` or a list of allowed origins for CORS. */
  readonly corsOrigins: "*" | ReadonlyArray<string>
  /** Most concurrent long-polls one user may hold. */
  readonly maxPollsPerUser: number
  readonly limits: Limits
  readonly version: string
}

/** How the email outbox works: realistic defaults, shortened by tests through the config file. */
export interface EmailTuning {
  /** Most time between two looks for due jobs made by other nodes (local calls wake it at once). */
  readonly pollMs: number
  /** The first retry's delay; each next one doubles, up to `retryMaxMs`. */
  readonly retryMs: number
  readonly retryMaxMs: number
  /** After retrying this long a job fails for good (about a day). */
  readonly retryForSeconds: number
  /** How long a node holds a job it is sending before another may take it over. */
  readonly leaseSeconds: number
}

/** The email tuning defaults. */
export const DefaultEmailTuning: EmailTuning = {
  pollMs: 5_000,
  retryMs: 30_000,
  retryMaxMs: 3_600_000,
  retryForSeconds: 86_400,
  leaseSeconds: 120
}

/** The default From of emails. */
export const DEFAULT_EMAIL_FROM = "PushBack <no-reply@localhost>"

/** The Config service tag. */
export class Config extends Context.Tag("@pushback/server/Config")<Config, ServerConfig>() {}

/** A config problem the CLI reports (one line naming the setting) and exits on. */
export class ConfigError extends StartupError {
  override readonly name = "ConfigError"
}

/** Flags as given on the command line (strings). */
export interface ConfigFlags {
  readonly port?: string | undefined
  readonly host?: string | undefined
  readonly db?: string | undefined
  readonly redis?: string | undefined
  readonly smtp?: string | undefined
  readonly config?: string | undefined
}

const readConfigFile = (path: string | undefined, from: string): Record<string, unknown> => {
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

/** A setting as given, with where it came from (`--port`, `PUSHBACK_PORT`, `"port" in x.json`). */
interface Given {
  readonly value: unknown
  readonly from: string
}

/** A given value as an operator typed it: a flag or variable as is, a file's value as JSON. */
const shown = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value))

const toPort = ({ value, from }: Given): number => {
  const n = typeof value === "number" ? value : Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(`${from} ${shown(value)}: a port is a whole number from 0 to 65535`)
  }
  return n
}

const toPositiveInt = ({ value, from }: Given): number => {
  const n = typeof value === "number" ? value : Number(value)
  if (!Number.isInteger(n) || n < 1) {
    throw new ConfigError(`${from} ${shown(value)}: must be a whole number of 1 or more`)
  }
  return n
}

/** Where the SQLite file lives (its admin token is kept there), or `./data` for PostgreSQL. */
export const dataDirOf = (databaseUrl: string): string =>
  databaseUrl.startsWith("sqlite:") ? dirname(resolve(databaseUrl.slice("sqlite:".length))) : resolve("data")

const adminTokenFile = (dataDir: string) => join(dataDir, "admin-token")

/** A new admin token. */
export const generateAdminToken = (): string => `pb_admin_${randomBytes(32).toString("base64url")}`

/** Reads the kept admin token, or generates, keeps and flags a new one. */
const resolveAdminToken = (dataDir: string, given: string | undefined) => {
  if (given !== undefined && given.length > 0) return { token: given, generated: false }
  const file = adminTokenFile(dataDir)
  if (existsSync(file)) {
    const token = readFileSync(file, "utf8").trim()
    if (token.length > 0) return { token, generated: false }
  }
  const token = generateAdminToken()
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(file, `${token}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return { token, generated: true }
}

/** Limits bounded by the protocol's schemas rather than by configuration. */
const FIXED_LIMITS = new Set([
  "maxPageLimit",
  "maxUserIdLength",
  "maxTypeNameLength",
  "maxIdempotencyKeyLength"
])

const readLimits = (file: Record<string, unknown>, where: string): Limits => {
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

const readEmailTuning = (file: Record<string, unknown>, where: string): EmailTuning => {
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

/** An SMTP URL as given: `smtp://` or `smtps://` with a host (its password is never repeated). */
const toSmtpUrl = ({ value, from }: Given): string | undefined => {
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

const serverVersion = (): string => {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version?: string
    }
    return pkg.version ?? "0.0.0"
  } catch {
    return "0.0.0"
  }
}

/**
 * Resolves the configuration; throws ConfigError on bad input. Only a server start
 * (`serving`) generates a missing admin token, so it is printed by the command that made it.
 */
export const loadConfig = (
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv = process.env,
  serving = true
): ServerConfig => {
  const configPath = flags.config ?? env["PUSHBACK_CONFIG"]
  const file = readConfigFile(configPath, flags.config === undefined ? "PUSHBACK_CONFIG" : "--config")
  const where = configPath ?? "the config file"
  /** A setting from its flag, its variable, the config file, else the default (and where it came from). */
  const pick = (
    flag: string,
    flagValue: string | undefined,
    envName: string,
    key: string,
    fallback?: unknown
  ) =>
    (flagValue !== undefined
      ? { value: flagValue, from: flag }
      : env[envName] !== undefined
        ? { value: env[envName], from: envName }
        : file[key] !== undefined
          ? { value: file[key], from: `"${key}" in ${where}` }
          : { value: fallback, from: flag }) satisfies Given
  const db = pick("--db", flags.db, "PUSHBACK_DATABASE_URL", "db", "sqlite:./data/pushback.db")
  const databaseUrl = String(db.value)
  const shared = isPostgresUrl(databaseUrl)
  if (!databaseUrl.startsWith("sqlite:") && !shared) {
    // Only the scheme is repeated: the rest of a URL may hold a password.
    throw new ConfigError(
      `${db.from}: ${databaseUrl.split(":")[0]}: databases are not supported; use sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE`
    )
  }
  const dataDir = dataDirOf(databaseUrl)
  const givenToken = env["PUSHBACK_ADMIN_TOKEN"] ?? (file["adminToken"] as string | undefined)
  let admin = { token: givenToken ?? "", generated: false }
  // On PostgreSQL a missing token is generated once and kept in the database (Server.ts), never in a file.
  if (serving && !shared) {
    try {
      admin = resolveAdminToken(dataDir, givenToken)
    } catch (e) {
      throw storageFailure(e, databaseUrl, sqlitePath(databaseUrl))
    }
  }
  const cors = env["PUSHBACK_CORS_ORIGINS"] ?? file["corsOrigins"] ?? "*"
  const corsOrigins =
    cors === "*"
      ? "*"
      : Array.isArray(cors)
        ? cors.map(String)
        : String(cors)
            .split(",")
            .map((s) => s.trim())
  const redis = pick("--redis", flags.redis, "PUSHBACK_REDIS_URL", "redis").value
  const smtp = pick("--smtp", flags.smtp, "PUSHBACK_SMTP_URL", "smtp")
  return {
    port: toPort(pick("--port", flags.port, "PUSHBACK_PORT", "port", 8080)),
    host: String(pick("--host", flags.host, "PUSHBACK_HOST", "host", "0.0.0.0").value),
    databaseUrl,
    redisUrl: redis === undefined ? undefined : String(redis),
    // Unique per process; a restarted container (same host name, same pid) takes its place.
    nodeId: env["PUSHBACK_NODE_ID"] ?? String(file["nodeId"] ?? `${hostname()}/${process.pid}`),
    smtpUrl: toSmtpUrl(smtp),
    emailFrom: String(
      pick("PUSHBACK_EMAIL_FROM", undefined, "PUSHBACK_EMAIL_FROM", "emailFrom", DEFAULT_EMAIL_FROM).value
    ),
    email: readEmailTuning(file, where),
    adminToken: admin.token,
    adminTokenGenerated: admin.generated,
    dataDir,
    corsOrigins,
    maxPollsPerUser: toPositiveInt(
      pick("PUSHBACK_MAX_POLLS_PER_USER", undefined, "PUSHBACK_MAX_POLLS_PER_USER", "maxPollsPerUser", 8)
    ),
    limits: readLimits(file, where),
    version: serverVersion()
  }
}

/**
 * Removes an admin token this very start generated, when the start then failed: it was never
 * shown, and the next start must generate (and print) one again.
 */
export const forgetGeneratedAdminToken = (config: ServerConfig): void => {
  if (config.adminTokenGenerated) rmSync(adminTokenFile(config.dataDir), { force: true })
}

/** The SQLite file path of a `sqlite:` URL. */
export const sqlitePath = (databaseUrl: string): string => resolve(databaseUrl.slice("sqlite:".length))
