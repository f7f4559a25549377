/**
 * The example's backend, as a Vite dev-server plugin: what your own backend does for a chat, in
 * two routes. The app secret stays here, in Node; the browser only ever gets a short-lived user
 * token, and conversations are made by the backend (it decides who may talk to whom).
 *
 *   GET  /api/session?user=ana        → {url, user, token}: where PushBack is, and a user token
 *   POST /api/conversations {with}    → {id}: the conversation of the session's user and `with`
 *                                       (made once; `?user=` names the session's user)
 *
 * On start it makes the demo conversation "welcome" between ana and bo, with a system message.
 * It finds PushBack at PUSHBACK_URL (default http://127.0.0.1:8080) and gets an app secret the
 * way every example does (../../shared/localApp.js): PUSHBACK_SECRET, or an app it creates once
 * with the admin token of a server started with `pnpm start` and keeps in data/app.json.
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
    name: "react-chat-example",
    appFile: join(here, "..", "data", "app.json")
  }).catch((error: unknown) => {
    // Vite would print a stack under it; the message says what to do.
    if (error instanceof LocalAppError) {
      console.error(`react-chat: ${error.message}`)
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
  new URL(req.url ?? "/", "http://localhost").searchParams.get("user") || "ana"

/** Makes a conversation unless it exists (409: made before). */
const ensure = (pb: PushBack, id: string, members: Array<string>, title?: string) =>
  pb.conversations.create({ id, members, ...(title === undefined ? {} : { title }) }).then(
    () => true,
    (error: unknown) => {
      if (error instanceof PushBackError && error.status === 409) return false
      throw error
    }
  )

/** The two routes above, on Vite's dev server. */
export const pushbackDevBackend = (): Plugin => ({
  name: "pushback-dev-backend",
  apply: "serve",
  async configureServer(server) {
    const url = process.env["PUSHBACK_URL"] ?? "http://127.0.0.1:8080"
    /** Where browsers reach PushBack, when it differs from where this process does. */
    const publicUrl = process.env["PUSHBACK_PUBLIC_URL"] ?? url
    const pb = new PushBack({ url, secret: await appSecret(url) })
    if (await ensure(pb, "welcome", ["ana", "bo"], "Welcome"))
      await pb.conversations.post("welcome", { text: "Ana and Bo: open both windows and say hello." })
    server.middlewares.use("/api/session", (req, res) => {
      const user = userOf(req)
      pb.registerUsers([user])
        .then(() => send(res, 200, { url: publicUrl, user, token: pb.createUserToken(user) }))
        .catch((error: unknown) => send(res, 500, { error: String(error) }))
    })
    server.middlewares.use("/api/conversations", (req, res) => {
      readBody(req)
        .then(async (body) => {
          const members = [userOf(req), String(body["with"] ?? "")].sort()
          const id = `dm:${members.join(":")}`
          await ensure(pb, id, members)
          send(res, 200, { id })
        })
        .catch((error: unknown) =>
          send(res, error instanceof PushBackError ? error.status : 500, { error: String(error) })
        )
    })
  }
})
