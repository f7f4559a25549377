/**
 * The example's backend, as a Vite dev-server plugin: what your own backend does for the
 * inbox, in two routes. The app secret stays here, in Node; the browser only ever gets a
 * short-lived user token.
 *
 *   GET  /api/session?user=alice  → {url, user, token}: where PushBack is, and a user token
 *   POST /api/notify {user, title, content} → sends a notification (the page's demo button),
 *                                            pushed to the user's browsers when no tab is open
 *   GET  /pushback-sw.js                    → PushBack's service worker, served on this origin
 *
 * It finds PushBack at PUSHBACK_URL (default http://127.0.0.1:8080) and gets an app secret the
 * way every example does (../../shared/localApp.js): PUSHBACK_SECRET, or an app it creates once
 * with the admin token of a server started with `pnpm start` (data/admin-token at the
 * repository root, or PUSHBACK_ADMIN_TOKEN) and keeps in data/app.json.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { PushBack, PushBackError } from "@pushback/node"
import type { Plugin } from "vite"
import { LocalAppError, localAppSecret } from "../../shared/localApp.js"

const here = dirname(fileURLToPath(import.meta.url))

/** An app secret that the server accepts: given, remembered, or from a new app. */
const appSecret = (url: string): Promise<string> =>
  localAppSecret({
    PushBack,
    PushBackError,
    url,
    name: "react-inbox-example",
    appFile: join(here, "..", "data", "app.json")
  }).catch((error: unknown) => {
    // Vite would print a stack under it; the message says what to do.
    if (error instanceof LocalAppError) {
      console.error(`react-inbox: ${error.message}`)
      process.exit(1)
    }
    throw error
  })

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
            content: String(body["content"] ?? ""),
            // Web Push to the user's subscribed browsers when no tab of theirs is open.
            push: { send: true }
          })
        )
        .then((answer) => send(res, 202, answer))
        .catch((error: unknown) => send(res, 500, { error: String(error) }))
    })
    // A service worker must come from the page's origin: PushBack's, passed through.
    server.middlewares.use("/pushback-sw.js", (_req, res) => {
      fetch(`${url}/pushback-sw.js`)
        .then(async (r) => res.writeHead(r.status, { "content-type": "text/javascript" }).end(await r.text()))
        .catch((error: unknown) => send(res, 502, { error: String(error) }))
    })
  }
})
