/**
 * How the examples get a PushBack app on a server started from this repository, in one way
 * whatever example runs first: an app secret from PUSHBACK_SECRET; else the app this example
 * created before (kept in its data/app.json) while the server still knows it; else a new app,
 * created with the admin token. The admin token is PUSHBACK_ADMIN_TOKEN, else the one the server
 * keeps in data/admin-token at the repository root (`pnpm start` writes it there).
 *
 * A real backend is given its app secret by the operator and needs none of this.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** Where a server started from the repository root (`pnpm start`) keeps its admin token. */
export const ADMIN_TOKEN_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "data",
  "admin-token"
)

/** The admin token and where it came from, or undefined when there is none. */
const adminToken = (env) => {
  if (env.PUSHBACK_ADMIN_TOKEN) return { token: env.PUSHBACK_ADMIN_TOKEN, from: "PUSHBACK_ADMIN_TOKEN" }
  const file = env.PUSHBACK_ADMIN_TOKEN_FILE || ADMIN_TOKEN_FILE
  if (!existsSync(file)) return undefined
  const token = readFileSync(file, "utf8").trim()
  return token === "" ? undefined : { token, from: file }
}

/** An example could not get an app: the message says what to do. */
export class LocalAppError extends Error {
  name = "LocalAppError"
}

/**
 * The app secret for the example `name`, as described above. `PushBack` and `PushBackError`
 * are @pushback/node's (each example depends on it). `appFile` is where the example keeps
 * the app it created (PUSHBACK_APP_FILE overrides it).
 */
export const localAppSecret = async ({ PushBack, PushBackError, url, name, appFile, env = process.env }) => {
  if (env.PUSHBACK_SECRET) return env.PUSHBACK_SECRET
  const file = env.PUSHBACK_APP_FILE || appFile
  const unreachable = (error) =>
    new LocalAppError(
      `PushBack is not reachable at ${url} (${error.message}): start it from the repository root with \`pnpm start\`, or set PUSHBACK_URL`
    )
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8"))
    try {
      // Still an app of this server? (Its database may have been reset since.)
      await new PushBack({ url, secret: saved.secret, maxRetries: 0 }).stats()
      return saved.secret
    } catch (error) {
      if (!PushBackError.is(error) || error.status === 0) throw unreachable(error)
      if (error.code !== "unauthorized") throw error
    }
  }
  const admin = adminToken(env)
  if (admin === undefined) {
    throw new LocalAppError(
      `no PushBack admin token to create the ${name} app with: start the server from the repository root with \`pnpm start\` (it keeps its token in data/admin-token), or set PUSHBACK_ADMIN_TOKEN to the server's token (or PUSHBACK_SECRET to an app secret)`
    )
  }
  let app
  try {
    app = await PushBack.admin({ url, adminToken: admin.token, maxRetries: 0 }).createApp(name)
  } catch (error) {
    if (!PushBackError.is(error) || error.status === 0) throw unreachable(error)
    if (error.code !== "unauthorized") throw error
    throw new LocalAppError(
      `the admin token from ${admin.from} was refused by ${url} (${error.message}): that server uses another one. If it was started with PUSHBACK_ADMIN_TOKEN, give the examples the same PUSHBACK_ADMIN_TOKEN; or start it with plain \`pnpm start\` and set none`
    )
  }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify({ id: app.id, secret: app.secret }, null, 2), { mode: 0o600 })
  console.log(`[${name}] created the PushBack app ${app.id} (secret kept in ${file})`)
  return app.secret
}
