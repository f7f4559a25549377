/**
 * Config: every setting of PROTOCOL.md §4.2 and the limits of §5, resolved once at start
 * from CLI flags, then environment variables, then a JSON config file, then defaults.
 */
import { randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { DefaultLimits, type Limits } from "@pushback/protocol"
import { Context } from "effect"

/** Resolved settings. */
export interface ServerConfig {
  readonly port: number
  readonly host: string
  readonly databaseUrl: string
  readonly redisUrl: string | undefined
  readonly smtpUrl: string | undefined
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

/** The Config service tag. */
export class Config extends Context.Tag("@pushback/server/Config")<Config, ServerConfig>() {}

/** A config problem the CLI reports and exits on. */
export class ConfigError extends Error {
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

const readConfigFile = (path: string | undefined): Record<string, unknown> => {
  if (path === undefined) return {}
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`)
  }
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object")
    return value as Record<string, unknown>
  } catch (e) {
    throw new ConfigError(`config file ${path} is not a JSON object: ${(e as Error).message}`)
  }
}

const toPort = (value: unknown, from: string): number => {
  const n = typeof value === "number" ? value : Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`${from}: port must be 0-65535, got ${value}`)
  return n
}

const toPositiveInt = (value: unknown, from: string): number => {
  const n = typeof value === "number" ? value : Number(value)
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${from} must be a positive integer, got ${value}`)
  return n
}

/** Where the SQLite file lives, or `./data` for other databases: the admin token is kept there. */
export const dataDirOf = (databaseUrl: string): string =>
  databaseUrl.startsWith("sqlite:") ? dirname(resolve(databaseUrl.slice("sqlite:".length))) : resolve("data")

const adminTokenFile = (dataDir: string) => join(dataDir, "admin-token")

/** Reads the kept admin token, or generates, keeps and flags a new one. */
const resolveAdminToken = (dataDir: string, given: string | undefined) => {
  if (given !== undefined && given.length > 0) return { token: given, generated: false }
  const file = adminTokenFile(dataDir)
  if (existsSync(file)) {
    const token = readFileSync(file, "utf8").trim()
    if (token.length > 0) return { token, generated: false }
  }
  const token = `pb_admin_${randomBytes(32).toString("base64url")}`
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

const readLimits = (file: Record<string, unknown>): Limits => {
  const limits: Limits = { ...DefaultLimits }
  const given = file["limits"]
  if (given === undefined) return limits
  if (typeof given !== "object" || given === null) throw new ConfigError("config: limits must be an object")
  for (const [key, value] of Object.entries(given)) {
    if (!(key in limits)) throw new ConfigError(`config: unknown limit ${key}`)
    if (FIXED_LIMITS.has(key)) throw new ConfigError(`config: limit ${key} is fixed by the protocol`)
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new ConfigError(`config: limit ${key} must be a positive number`)
    }
    limits[key as keyof Limits] = value
  }
  return limits
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
  const file = readConfigFile(flags.config ?? env["PUSHBACK_CONFIG"])
  const pick = (flag: string | undefined, envName: string, key: string): unknown =>
    flag ?? env[envName] ?? file[key]
  const databaseUrl = String(pick(flags.db, "PUSHBACK_DATABASE_URL", "db") ?? "sqlite:./data/pushback.db")
  if (!databaseUrl.startsWith("sqlite:")) {
    throw new ConfigError(
      `database ${databaseUrl.split(":")[0]}: only sqlite: is supported in this version (PostgreSQL comes next)`
    )
  }
  const dataDir = dataDirOf(databaseUrl)
  const givenToken = env["PUSHBACK_ADMIN_TOKEN"] ?? (file["adminToken"] as string | undefined)
  const admin = serving
    ? resolveAdminToken(dataDir, givenToken)
    : { token: givenToken ?? "", generated: false }
  const cors = env["PUSHBACK_CORS_ORIGINS"] ?? file["corsOrigins"] ?? "*"
  const corsOrigins =
    cors === "*"
      ? "*"
      : Array.isArray(cors)
        ? cors.map(String)
        : String(cors)
            .split(",")
            .map((s) => s.trim())
  const redis = pick(flags.redis, "PUSHBACK_REDIS_URL", "redis")
  const smtp = pick(flags.smtp, "PUSHBACK_SMTP_URL", "smtp")
  return {
    port: toPort(pick(flags.port, "PUSHBACK_PORT", "port") ?? 8080, "port"),
    host: String(pick(flags.host, "PUSHBACK_HOST", "host") ?? "0.0.0.0"),
    databaseUrl,
    redisUrl: redis === undefined ? undefined : String(redis),
    smtpUrl: smtp === undefined ? undefined : String(smtp),
    adminToken: admin.token,
    adminTokenGenerated: admin.generated,
    dataDir,
    corsOrigins,
    maxPollsPerUser: toPositiveInt(
      env["PUSHBACK_MAX_POLLS_PER_USER"] ?? file["maxPollsPerUser"] ?? 8,
      "maxPollsPerUser"
    ),
    limits: readLimits(file),
    version: serverVersion()
  }
}

/** The SQLite file path of a `sqlite:` URL. */
export const sqlitePath = (databaseUrl: string): string => resolve(databaseUrl.slice("sqlite:".length))
