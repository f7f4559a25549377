/**
 * The example's backend, as a Vite dev-server plugin: what your own backend does for the
 * inbox, in two routes. The app secret stays here, in Node; the browser only ever gets a
 * short-lived user token.
 *
 *   GET  /api/session?user=alice  → {url, user, token}: where PushBack is, and a user token
 *   POST /api/notify {user, title, content} → sends a notification (the page's demo button)
 *
 * It finds PushBack at PUSHBACK_URL (default http://127.0.0.1:8080) and gets an app secret
 * from PUSHBACK_SECRET, or else creates an app once with the admin token (PUSHBACK_ADMIN_TOKEN,
 * or the one a server started from this repository keeps: `pnpm start` writes
 * apps/server/data/admin-token) and remembers it in data/app.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import type { IncomingMessage, ServerResponse } from "node:http"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { PushBack, PushBackError } from "@pushback/node"
import type { Plugin } from "vite"

const here = dirname(fileURLToPath(import.meta.url))
const APP_FILE = join(here, "..", "data", "app.json")
/** Where a server started from this repository keeps its admin token (`pnpm start`, or from the root). */
const ADMIN_TOKEN_FILES = [
  join(here, "..", "..", "..", "apps", "server", "data", "admin-token"),
  join(here, "..", "..", "..", "data", "admin-token")
]

const adminToken = (): string => {
  const file = ADMIN_TOKEN_FILES.find((f) => existsSync(f))
  const token = process.env["PUSHBACK_ADMIN_TOKEN"] ?? (file ? readFileSync(file, "utf8").trim() : "")
  if (token === "") {
    throw new Error(
      "react-inbox: set PUSHBACK_SECRET (an app secret) or PUSHBACK_ADMIN_TOKEN, or start the server with `pnpm start` first"
    )
  }
  return token
}

/** An app secret that the server accepts: given, remembered, or from a new app. */
const appSecret = async (url: string): Promise<string> => {
  const given = process.env["PUSHBACK_SECRET"]
  if (given) return given
  if (existsSync(APP_FILE)) {
    const saved = JSON.parse(readFileSync(APP_FILE, "utf8")) as { secret: string }
    try {
      await new PushBack({ url, secret: saved.secret, maxRetries: 0 }).stats()
      return saved.secret
    } catch (error) {
      // The server's database was reset since: make a new app below.
      if (!PushBackError.is(error) || error.code !== "unauthorized") throw error
    }
  }
  const app = await PushBack.admin({ url, adminToken: adminToken() }).createApp("react-inbox-example")
  mkdirSync(dirname(APP_FILE), { recursive: true })
  writeFileSync(APP_FILE, JSON.stringify({ id: app.id, secret: app.secret }, null, 2), { mode: 0o600 })
  console.log(`[react-inbox] created the PushBack app ${app.id} (secret kept in data/app.json)`)
  return app.secret
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
}

const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  let text = ""
  for await (const chunk of req) text += String(chunk)
  return JSON.parse(text || "{}") as Record<string, unknown>
}

/** The user named in the query (a stand-in for your sign-in). */
const userOf = (req: IncomingMessage): string =>
  new URL(req.url ?? "/", "http://localhost").searchParams.get("user") || "alice"

/** The two routes above, on Vite's dev server. */
export const pushbackDevBackend = (): Plugin => ({
  name: "pushback-dev-backend",
  apply: "serve",
  async configureServer(server) {
    const url = process.env["PUSHBACK_URL"] ?? "http://127.0.0.1:8080"
    /** Where browsers reach PushBack, when it differs from where this process does. */
    const publicUrl = process.env["PUSHBACK_PUBLIC_URL"] ?? url
    const pb = new PushBack({ url, secret: await appSecret(url) })
    server.middlewares.use("/api/session", (req, res) => {
      const user = userOf(req)
      pb.registerUsers([user])
        .then(() => send(res, 200, { url: publicUrl, user, token: pb.createUserToken(user) }))
        .catch((error: unknown) => send(res, 500, { error: String(error) }))
    })
    server.middlewares.use("/api/notify", (req, res) => {
      readBody(req)
        .then((body) =>
          pb.notify({
            users: [String(body["user"] ?? "alice")],
            title: String(body["title"] ?? "Hello"),
            content: String(body["content"] ?? "")
          })
        )
        .then((answer) => send(res, 202, answer))
        .catch((error: unknown) => send(res, 500, { error: String(error) }))
    })
  }
})
