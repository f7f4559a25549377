/**
 * An example backend using @pushback/node, on plain node:http so it runs with no framework
 * installed (the Express version is the same four routes). It shows the three things every
 * backend does with PushBack:
 *   1. register a user when they sign in         (POST /login  → pb.registerUsers)
 *   2. hand their browser a user token           (GET /api/token → pb.createUserToken)
 *   3. notify users when something happens       (POST /api/like → pb.notify)
 * and, when PUSHBACK_WEBHOOK_SECRET is set, it receives PushBack's webhooks (what happened after
 * notify: delivered, seen, read, emails, users online) at POST /webhooks/pushback, verified with
 * verifyWebhook.
 * The page in ../public connects to PushBack with that token through the browser SDK
 * (@pushback/browser's script-tag build, served at /pushback.js) and shows what arrives.
 *
 * Sign-in is a name in a signed cookie: a stand-in for your real authentication.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { PushBack, PushBackError, verifyWebhook, WebhookVerificationError } from "@pushback/node"
import { localAppSecret } from "../../shared/localApp.js"

const here = dirname(fileURLToPath(import.meta.url))
const PORT = Number(process.env.PORT ?? 3000)
const PUSHBACK_URL = process.env.PUSHBACK_URL ?? "http://127.0.0.1:8080"
/** Where browsers reach PushBack, when it differs from where this backend does. */
const PUSHBACK_PUBLIC_URL = process.env.PUSHBACK_PUBLIC_URL ?? PUSHBACK_URL
/** The `whsec_…` secret of a webhook endpoint pointed at POST /webhooks/pushback (optional). */
const WEBHOOK_SECRET = process.env.PUSHBACK_WEBHOOK_SECRET

// ---------------------------------------------------------------- PushBack

/**
 * The app secret: PUSHBACK_SECRET, or — for a local try-out next to a server started with
 * `pnpm start` — an app this example creates once with that server's admin token and keeps in
 * data/app.json (../../shared/localApp.js, the same for every example).
 */
const secret = await localAppSecret({
  PushBack,
  PushBackError,
  url: PUSHBACK_URL,
  name: "express-backend-example",
  appFile: join(here, "..", "data", "app.json")
}).catch((error) => {
  console.error(`express-backend: ${error.message}`)
  process.exit(1)
})

const pb = new PushBack({ url: PUSHBACK_URL, secret })
await pb.eventTypes.put("post_like", { title: "Likes", description: "Someone liked your post" })
await pb.eventTypes.put("welcome", { title: "Welcome" })

// ---------------------------------------------------------------- sessions (a stand-in)

const cookieKey = randomBytes(32)
const sign = (value) => createHmac("sha256", cookieKey).update(value).digest("base64url")
const sessionCookie = (user) => `${Buffer.from(user).toString("base64url")}.${sign(user)}`
const signedInUser = (req) => {
  const match = /(?:^|;\s*)session=([^;]+)/.exec(req.headers.cookie ?? "")
  if (!match) return undefined
  const [encoded, signature = ""] = match[1].split(".")
  const user = Buffer.from(encoded, "base64url").toString("utf8")
  const expected = Buffer.from(sign(user))
  const given = Buffer.from(signature)
  return given.length === expected.length && timingSafeEqual(given, expected) ? user : undefined
}

// ---------------------------------------------------------------- HTTP

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

const readJson = async (req) => {
  let text = ""
  for await (const chunk of req) {
    text += chunk
    if (text.length > 64 * 1024)
      throw new PushBackError({ status: 413, code: "payload_too_large", message: "too big" })
  }
  try {
    return text === "" ? {} : JSON.parse(text)
  } catch {
    throw new PushBackError({ status: 400, code: "bad_request", message: "malformed JSON" })
  }
}

const readRaw = async (req) => {
  const chunks = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > 1024 * 1024) throw new WebhookVerificationError("body too large")
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** webhook-ids handled lately: a retry after a lost answer is recognised and answered 2xx again. */
const handled = new Set()

/** The page, told where browsers reach PushBack. */
const page = readFileSync(join(here, "..", "public", "index.html"), "utf8").replace(
  "%PUSHBACK_PUBLIC_URL%",
  new URL(PUSHBACK_PUBLIC_URL).href
)
/** The browser SDK's script-tag build (it defines the global `PushBack`). */
const sdk = readFileSync(createRequire(import.meta.url).resolve("@pushback/browser/global"))

const routes = {
  "GET /": async (_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
    res.end(page)
  },

  "GET /pushback.js": async (_req, res) => {
    res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" })
    res.end(sdk)
  },

  /** Your sign-in, then: make sure PushBack knows the user (an upsert, safe to repeat). */
  "POST /login": async (req, res) => {
    const { user, email } = await readJson(req)
    await pb.registerUsers([email ? { id: user, email } : user])
    json(
      res,
      200,
      { user },
      { "set-cookie": `session=${sessionCookie(user)}; HttpOnly; SameSite=Lax; Path=/` }
    )
  },

  "POST /logout": async (_req, res) => {
    json(res, 200, {}, { "set-cookie": "session=; Max-Age=0; Path=/" })
  },

  /**
   * A user token for the signed-in user's browser (the SDK's `getToken`): signed locally, no
   * request to PushBack. It only lets the browser read and mark that user's notifications.
   */
  "GET /api/token": async (_req, res, user) => {
    json(res, 200, { user, token: pb.createUserToken(user, { ttlSeconds: 3600 }) })
  },

  /** An event in your app: the signed-in user likes `to`'s post; `to` is notified. */
  "POST /api/like": async (req, res, user) => {
    const { to } = await readJson(req)
    const result = await pb.notify({
      users: [to],
      type: "post_like",
      title: "New like",
      content: `${user} liked your post`,
      data: { from: user }
    })
    json(res, 200, result)
  },

  /**
   * PushBack's webhooks: verify the raw body with the endpoint's secret (never parse first),
   * skip an id already handled (delivery is at least once), answer 2xx fast, then act.
   */
  "POST /webhooks/pushback": async (req, res) => {
    if (WEBHOOK_SECRET === undefined)
      return json(res, 404, { error: { code: "not_found", message: "no webhook secret" } })
    let event
    try {
      event = verifyWebhook(await readRaw(req), req.headers, WEBHOOK_SECRET)
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error
      return json(res, 400, { error: { code: "bad_request", message: error.message } })
    }
    const id = req.headers["webhook-id"]
    res.writeHead(204).end()
    if (handled.has(id)) return
    handled.add(id)
    if (handled.size > 10_000) handled.delete(handled.values().next().value)
    // A batch endpoint sends {type: "batch", data: {events: [...]}}; each event has its own id.
    for (const e of event.type === "batch" ? event.data.events : [event]) {
      console.log(`webhook ${e.type}: ${JSON.stringify(e.data)}`)
    }
  },

  /** Notify yourself, to see one arrive. */
  "POST /api/hello": async (_req, res, user) => {
    json(
      res,
      200,
      await pb.notify({ users: [user], type: "welcome", title: "Hello", content: `Hi ${user}!` })
    )
  }
}

const open = new Set(["GET /", "GET /pushback.js", "POST /login", "POST /logout", "POST /webhooks/pushback"])

const server = createServer(async (req, res) => {
  const key = `${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`
  const route = routes[key]
  if (!route) return json(res, 404, { error: { code: "not_found", message: `no route ${key}` } })
  const user = signedInUser(req)
  if (!open.has(key) && user === undefined)
    return json(res, 401, { error: { code: "unauthorized", message: "sign in first" } })
  try {
    await route(req, res, user)
  } catch (error) {
    // PushBackError carries the status and body PushBack gave (or 400 for input it refused locally).
    if (PushBackError.is(error) && error.status >= 400 && error.status < 500)
      return json(res, error.status, {
        error: { code: error.code, message: error.message, details: error.details }
      })
    console.error(error)
    json(res, 502, { error: { code: "unavailable", message: "PushBack call failed" } })
  }
})

server.listen(PORT, () => {
  console.log(`example backend on http://localhost:${server.address().port} (PushBack at ${PUSHBACK_URL})`)
})
