#!/usr/bin/env node
/**
 * The `pushback` command: `serve` runs a node; `apps …` and `token …` act on the same
 * database directly, so an operator can bootstrap without the HTTP API.
 */
import { parseArgs } from "node:util"
import { Effect, Layer, ManagedRuntime } from "effect"
import {
  Config,
  ConfigError,
  type ConfigFlags,
  forgetGeneratedAdminToken,
  loadConfig,
  sqlitePath
} from "./config/Config.js"
import { isPostgresUrl, shownDatabaseUrl } from "./config/DatabaseUrl.js"
import { issueUserToken } from "./auth/tokens.js"
import { Control } from "./cluster/control/Control.js"
import { createApp, deleteApp, listApps } from "./tenancy/apps.js"
import { layerStoreFor } from "./node/layers.js"
import { startServer } from "./node/Server.js"
import { StartupError, storageFailure } from "./config/StartupError.js"
import { Store } from "./storage/Store.js"
import { PushStore } from "./push/PushStore.js"
import { generateVapidKeys } from "./push/vapid.js"

const USAGE = `Usage:
  pushback serve [--port 8080] [--host 0.0.0.0] [--db sqlite:./data/pushback.db | postgres://…]
                 [--redis redis://HOST:6379] [--smtp smtp://HOST:PORT] [--config file.json] [--local]
      --redis    Redis of a cluster (several nodes; needs a postgres:// --db)
      --smtp     SMTP server for the email fallback (smtp://, smtps://, with user:password@)
      --local    listen on 127.0.0.1 unless --host/PUSHBACK_HOST/the config file say where (npm start)
  pushback apps create NAME        create an app; prints its id and secret
  pushback apps list               list apps
  pushback apps delete APP_ID      delete an app and all its data
  pushback token APP_ID USER_ID [--ttl SECONDS]   mint a user token
  pushback emails failed [--app APP_ID]           list emails given up on, with their last error
  pushback emails retry [JOB_ID…] [--app APP_ID]  queue failed emails again (the given ones, else all)
  pushback push keys               print the VAPID public key browsers subscribe with

Every option is also an environment variable (PUSHBACK_PORT, PUSHBACK_HOST,
PUSHBACK_DATABASE_URL, PUSHBACK_REDIS_URL, PUSHBACK_SMTP_URL, PUSHBACK_EMAIL_FROM,
PUSHBACK_CONFIG, PUSHBACK_ADMIN_TOKEN). Web Push sends once PUSHBACK_VAPID_SUBJECT (mailto: or
https: on a real domain) is set. See docs/configuration.md, docs/email.md and docs/push.md.`

const options = {
  port: { type: "string" },
  host: { type: "string" },
  db: { type: "string" },
  redis: { type: "string" },
  smtp: { type: "string" },
  config: { type: "string" },
  local: { type: "boolean" },
  ttl: { type: "string" },
  app: { type: "string" },
  help: { type: "boolean", short: "h" }
} as const

/**
 * A stop asked for before the server is up (bin/pushback.js notes one that comes while the CLI
 * still loads). As a container's PID 1, Node has no default action for SIGTERM: without a
 * handler from the first moment a `docker stop` right after start is ignored, then killed
 * (exit 137). The handler is installed first; a stop during start-up ends the node once started.
 */
const stopAsked = (): { signal: string | undefined; off: () => void } => {
  const early = (globalThis as { [k: symbol]: { signal?: string; off: () => void } | undefined })[
    Symbol.for("pushback.earlyStop")
  ]
  const asked: { signal: string | undefined; off: () => void } = { signal: undefined, off: () => {} }
  const note = (signal: string) => () => {
    asked.signal ??= signal
  }
  const onTerm = note("SIGTERM")
  const onInt = note("SIGINT")
  // Added before the earlier ones are removed: a signal's watcher closes when its last listener
  // goes, and a signal already received but not yet handled would go with it.
  process.on("SIGTERM", onTerm)
  process.on("SIGINT", onInt)
  early?.off()
  asked.signal ??= early?.signal
  asked.off = () => {
    process.off("SIGTERM", onTerm)
    process.off("SIGINT", onInt)
  }
  return asked
}

const serve = async (flags: ConfigFlags) => {
  const asked = stopAsked()
  const config = loadConfig(flags)
  if (config.redisUrl !== undefined && !isPostgresUrl(config.databaseUrl)) {
    throw new ConfigError(
      "--redis: a sqlite: database is one node; several nodes need --db postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    )
  }
  if (config.smtpUrl !== undefined) {
    const smtp = new URL(config.smtpUrl)
    console.log(`[pushback] email through ${smtp.protocol}//${smtp.host} from ${config.emailFrom}`)
  }
  const server = await startServer(config).catch((e: unknown) => {
    forgetGeneratedAdminToken(config)
    throw e
  })
  const running = server.config
  if (running.adminTokenGenerated) {
    const where = isPostgresUrl(running.databaseUrl) ? "the database" : `${running.dataDir}/admin-token`
    console.log(`[pushback] generated an admin token (shown once, kept in ${where}):`)
    console.log(`[pushback]   ${running.adminToken}`)
  }
  console.log(
    `[pushback] ready on ${server.url} (database ${shownDatabaseUrl(running.databaseUrl)}, bus ${
      running.redisUrl === undefined ? "in-process" : shownDatabaseUrl(running.redisUrl)
    }, node ${running.nodeId}, version ${running.version})`
  )
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`[pushback] ${signal}: closing sessions and shutting down`)
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`[pushback] shutdown failed: ${String(e)}`)
        process.exit(1)
      }
    )
  }
  process.on("SIGTERM", () => stop("SIGTERM"))
  process.on("SIGINT", () => stop("SIGINT"))
  asked.off()
  if (asked.signal !== undefined) stop(`${asked.signal} during start-up`)
}

/**
 * Control for the CLI: it holds no sessions and tells no node. The nodes' app watch finds what
 * it changed in storage and closes the sessions concerned (stream/appWatch.ts).
 */
const layerCliControl = Layer.succeed(Control, { close: () => Effect.void })

/** Runs an effect against the configured database only (no HTTP). */
const withStore = async <A>(
  flags: ConfigFlags,
  effect: Effect.Effect<A, unknown, Store | PushStore | Config | Control>
): Promise<A> => {
  const config = loadConfig(flags, process.env, false)
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(layerStoreFor(config, true), Layer.succeed(Config, config), layerCliControl)
  )
  try {
    await runtime.runtime().catch((e: unknown) => {
      throw storageFailure(e, config.databaseUrl, sqlitePath(config.databaseUrl))
    })
    return await runtime.runPromise(effect)
  } finally {
    await runtime.dispose()
  }
}

const fail = (message: string): never => {
  throw new ConfigError(message)
}

/** `pushback emails failed|retry`: the outbox, straight from the database. */
const emails = async (
  flags: ConfigFlags,
  sub: string | undefined,
  ids: ReadonlyArray<string>,
  app?: string
) => {
  if (sub === "failed") {
    const jobs = await withStore(
      flags,
      Effect.flatMap(Store, (s) => s.emails.failed(app, 1000))
    )
    for (const j of jobs) {
      console.log(`${j.id}\t${j.app}\t${j.callId}\t${j.failedAt}\t${j.to.join(",")}\t${j.lastError ?? ""}`)
    }
    if (jobs.length === 0) console.log("no failed emails")
    return
  }
  if (sub === "retry") {
    const n = await withStore(
      flags,
      Effect.flatMap(Store, (s) => s.emails.retry(app, ids, new Date().toISOString()))
    )
    console.log(`queued ${n} failed email${n === 1 ? "" : "s"} again`)
    return
  }
  fail(`emails: use "emails failed" or "emails retry"\n\n${USAGE}`)
}

const main = async () => {
  const { values, positionals } = parseArgs({ options, allowPositionals: true, strict: true })
  const flags: ConfigFlags = values
  const [command, sub, ...rest] = positionals
  if (values.help || command === undefined) {
    console.log(USAGE)
    return
  }
  if (command === "serve") return serve(flags)
  if (command === "apps" && sub === "create") {
    const name = rest.join(" ").trim()
    if (name.length === 0 || name.length > 100) fail("apps create: give a NAME of 1-100 characters")
    const app = await withStore(flags, createApp(name))
    console.log(JSON.stringify(app, null, 2))
    return
  }
  if (command === "apps" && sub === "list") {
    const apps = await withStore(flags, listApps)
    for (const a of apps) console.log(`${a.id}\t${a.createdAt}\t${a.name}`)
    if (apps.length === 0) console.log("no apps yet: pushback apps create NAME")
    return
  }
  if (command === "apps" && sub === "delete") {
    const id = rest[0] ?? fail("apps delete: give an APP_ID")
    const deleted = await withStore(flags, deleteApp(id))
    if (!deleted) fail(`apps delete: no app ${id}`)
    console.log(`deleted ${id}`)
    return
  }
  if (command === "emails") return emails(flags, sub, rest, values.app)
  if (command === "push" && sub === "keys") {
    // The configured pair, else the database's (made now when this is its first use).
    const config = loadConfig(flags, process.env, false)
    const key =
      config.push.publicKey ??
      (
        await withStore(
          flags,
          Effect.flatMap(PushStore, (s) => s.keepKeys(generateVapidKeys()))
        )
      ).publicKey
    console.log(key)
    return
  }
  if (command === "token") {
    const appId = sub ?? fail("token: give APP_ID USER_ID")
    const user = rest[0] ?? fail("token: give APP_ID USER_ID")
    const config = loadConfig(flags, process.env, false)
    const ttl = values.ttl === undefined ? config.limits.tokenTtlSeconds : Number(values.ttl)
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > config.limits.maxTokenTtlSeconds) {
      fail(`token: --ttl must be 1-${config.limits.maxTokenTtlSeconds} seconds`)
    }
    if (user.length > 128) fail("token: USER_ID is at most 128 characters")
    const issued = await withStore(
      flags,
      Effect.gen(function* () {
        const app = yield* (yield* Store).getApp(appId)
        return app === undefined ? undefined : yield* issueUserToken(app, user, ttl)
      })
    )
    if (issued === undefined) fail(`token: no app ${appId}`)
    console.log(issued!.token)
    return
  }
  fail(`unknown command: ${positionals.join(" ")}\n\n${USAGE}`)
}

main().catch((e: unknown) => {
  // What an operator can fix is one line naming the option; anything else is a bug: its stack.
  if (e instanceof StartupError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`pushback: ${(e as Error).message}`)
  } else {
    console.error(`pushback: ${(e as Error).stack ?? String(e)}`)
  }
  process.exit(1)
})
