/**
 * The data folder and the admin token kept in it: on SQLite a missing token is generated on a
 * server start, kept in `<data>/admin-token` (mode 0600) and printed once; a start that then
 * fails forgets it so the next one prints a new one. (On PostgreSQL it is kept in the database.)
 */
import { randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import type { ServerConfig } from "./settings.js"

/** The SQLite file path of a `sqlite:` URL. */
export const sqlitePath = (databaseUrl: string): string => resolve(databaseUrl.slice("sqlite:".length))

/** Where the SQLite file lives (its admin token is kept there), or `./data` for PostgreSQL. */
export const dataDirOf = (databaseUrl: string): string =>
  databaseUrl.startsWith("sqlite:") ? dirname(sqlitePath(databaseUrl)) : resolve("data")

const adminTokenFile = (dataDir: string) => join(dataDir, "admin-token")

/** A new admin token. */
export const generateAdminToken = (): string => `pb_admin_${randomBytes(32).toString("base64url")}`

/** Reads the kept admin token, or generates, keeps and flags a new one. */
export const resolveAdminToken = (dataDir: string, given: string | undefined) => {
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

/**
 * Removes an admin token this very start generated, when the start then failed: it was never
 * shown, and the next start must generate (and print) one again.
 */
export const forgetGeneratedAdminToken = (config: ServerConfig): void => {
  if (config.adminTokenGenerated) rmSync(adminTokenFile(config.dataDir), { force: true })
}
