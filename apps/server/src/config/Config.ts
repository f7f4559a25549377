/**
 * Config: every setting of PROTOCOL.md §4.2 and the limits of §5, resolved once at start
 * from CLI flags, then environment variables, then a JSON config file, then defaults, and the
 * tag services read it through. The shape is in settings.ts, the checks of each value in
 * values.ts, the data folder and admin token in adminToken.ts, the version in version.ts; the
 * names the rest of the server uses are exported from here.
 */
import { hostname } from "node:os"
import { Context } from "effect"
import { dataDirOf, resolveAdminToken, sqlitePath } from "./adminToken.js"
import { readChannelSettings } from "./channelSettings.js"
import { isPostgresUrl } from "./DatabaseUrl.js"
import { readPushSettings } from "./pushSettings.js"
import { type ConfigFlags, DEFAULT_EMAIL_FROM, type ServerConfig } from "./settings.js"
import { storageFailure } from "./StartupError.js"
import {
  ConfigError,
  type Given,
  readConfigFile,
  readEmailTuning,
  readLimits,
  readWebhookTuning,
  toPort,
  toPositiveInt,
  toSmtpUrl
} from "./values.js"
import { serverVersion } from "./version.js"

export { dataDirOf, forgetGeneratedAdminToken, generateAdminToken, sqlitePath } from "./adminToken.js"
export {
  type ConfigFlags,
  DEFAULT_EMAIL_FROM,
  DefaultEmailTuning,
  type EmailTuning,
  type PushSettings,
  type ServerConfig,
  type WebhookTuning
} from "./settings.js"
export { ConfigError } from "./values.js"

/** The Config service tag. */
export class Config extends Context.Tag("@pushback/server/Config")<Config, ServerConfig>() {}

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
  const port = pick("--port", flags.port, "PUSHBACK_PORT", "port", 8080)
  const host = pick(
    "--host",
    flags.host,
    "PUSHBACK_HOST",
    "host",
    flags.local === true ? "127.0.0.1" : "0.0.0.0"
  )
  return {
    port: toPort(port),
    host: String(host.value),
    listenFrom: { port: port.from, host: host.from },
    databaseUrl,
    redisUrl: redis === undefined ? undefined : String(redis),
    // Unique per process; a restarted container (same host name, same pid) takes its place.
    nodeId: env["PUSHBACK_NODE_ID"] ?? String(file["nodeId"] ?? `${hostname()}/${process.pid}`),
    smtpUrl: toSmtpUrl(smtp),
    emailFrom: String(
      pick("PUSHBACK_EMAIL_FROM", undefined, "PUSHBACK_EMAIL_FROM", "emailFrom", DEFAULT_EMAIL_FROM).value
    ),
    email: readEmailTuning(file, where),
    webhooks: readWebhookTuning(file, where),
    push: readPushSettings(file, env, where),
    channels: readChannelSettings(file, where),
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
