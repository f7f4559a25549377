/**
 * The live-document example's backend, on plain node:http (no framework): what a backend does for
 * PushBack channels (docs/channels.md).
 *   1. set the options of the `doc` namespace once          (pb.channels.putNamespace)
 *   2. hand each browser a user token and a channel token   (GET /api/token → createUserToken,
 *      for the document it opens, with the name to show      createChannelToken with `info`)
 *   3. give a page that joins late, or lost publications    (GET /api/doc → pb.channels.history)
 *      (`recovered: false`), the document as it stands
 * The page (../public/index.html) imports `@pushback/browser/channels` (served at /sdk/) and
 * does the rest: subscribe, publish its edits, show who is there.
 *
 * "Signing in" is a name in the query: a stand-in for your real authentication, which decides
 * who the user is and whether they may open the document.
 */
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import { createRequire } from "node:module"
import { dirname, extname, join, normalize } from "node:path"
import { fileURLToPath } from "node:url"
import { PushBack, PushBackError } from "@pushback/node"
import { localAppSecret } from "../../shared/localApp.js"

const here = dirname(fileURLToPath(import.meta.url))
const PORT = Number(process.env.PORT ?? 3001)
const PUSHBACK_URL = process.env.PUSHBACK_URL ?? "http://127.0.0.1:8080"
/** Where browsers reach PushBack, when it differs from where this backend does. */
const PUSHBACK_PUBLIC_URL = process.env.PUSHBACK_PUBLIC_URL ?? PUSHBACK_URL

const secret = await localAppSecret({
  PushBack,
  PushBackError,
  url: PUSHBACK_URL,
  name: "live-document-example",
  appFile: join(here, "..", "data", "app.json")
}).catch((error) => {
  console.error(`live-document: ${error.message}`)
  process.exit(1)
})
const pb = new PushBack({ url: PUSHBACK_URL, secret })

// Channels `doc:<id>`: only with a channel token from here (not public); who is there, with
// join and leave; editors publish from the browser; the last 100 edits kept 10 minutes, so a
// tab that reconnects gets what it missed.
await pb.channels.putNamespace("doc", {
  presence: true,
  joinLeave: true,
  clientPublish: true,
  history: { size: 100, ttlSeconds: 600 }
})

const COLORS = ["#d9480f", "#2f6fde", "#2b8a3e", "#862e9c", "#e67700", "#0b7285"]
const colorOf = (user) =>
  COLORS[[...user].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % COLORS.length]
const validId = (value) => typeof value === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(value)

const json = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

/** The page, told where browsers reach PushBack. */
const page = readFileSync(join(here, "..", "public", "index.html"), "utf8").replace(
  "%PUSHBACK_PUBLIC_URL%",
  new URL(PUSHBACK_PUBLIC_URL).href
)
/** The browser SDK's ESM build (the channels entry and the chunks it imports). */
const sdkDir = dirname(createRequire(import.meta.url).resolve("@pushback/browser/channels"))

const routes = {
  "GET /": (_q, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
    res.end(page)
  },

  /** A user token for the browser, and a channel token for the document it opens (its `info` is shown in presence). */
  "GET /api/token": (q, res) => {
    const user = q.get("user")
    const doc = q.get("doc")
    if (!validId(user) || !validId(doc))
      return json(res, 400, {
        error: { code: "bad_request", message: "user and doc: 1-64 letters, digits, _ or -" }
      })
    json(res, 200, {
      user,
      channel: `doc:${doc}`,
      token: pb.createUserToken(user, { ttlSeconds: 3600 }),
      channelToken: pb.createChannelToken(user, `doc:${doc}`, {
        info: { name: user, color: colorOf(user) },
        ttlSeconds: 3600
      })
    })
  },

  /** The document as it stands: the last edit kept in the channel's history (empty when none is). */
  "GET /api/doc": async (q, res) => {
    const doc = q.get("doc")
    if (!validId(doc)) return json(res, 400, { error: { code: "bad_request", message: "doc: 1-64 letters" } })
    const history = await pb.channels.history(`doc:${doc}`, { limit: 1000 })
    const last = history.publications.at(-1)
    json(res, 200, { text: last?.data?.text ?? "", epoch: history.epoch, offset: history.offset })
  }
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://x")
  if (req.method === "GET" && url.pathname.startsWith("/sdk/")) {
    const file = normalize(join(sdkDir, url.pathname.slice(5)))
    if (!file.startsWith(sdkDir) || extname(file) !== ".js")
      return json(res, 404, { error: { code: "not_found" } })
    let body
    try {
      body = readFileSync(file)
    } catch {
      return json(res, 404, { error: { code: "not_found", message: "no such file" } })
    }
    res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" })
    return res.end(body)
  }
  const route = routes[`${req.method} ${url.pathname}`]
  if (!route) return json(res, 404, { error: { code: "not_found", message: `no route ${url.pathname}` } })
  try {
    await route(url.searchParams, res)
  } catch (error) {
    if (PushBackError.is(error) && error.status >= 400 && error.status < 500)
      return json(res, error.status, { error: { code: error.code, message: error.message } })
    console.error(error)
    json(res, 502, { error: { code: "unavailable", message: "PushBack call failed" } })
  }
})

server.listen(PORT, () => {
  console.log(`live document on http://localhost:${server.address().port} (PushBack at ${PUSHBACK_URL})`)
})
