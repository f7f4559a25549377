/**
 * The operator's dashboard at `/dashboard` (PROTOCOL.md §8): the static files built by
 * apps/dashboard and shipped in this package (dist/dashboard), served by this process with
 * their content types. Hashed files under `assets/` are cached for good (`immutable`); the
 * page itself is `no-cache`, so a new version is picked up at once. Any other path under
 * `/dashboard/` is the page (the dashboard routes on the client); a missing asset is a 404.
 */
import { readFileSync, statSync } from "node:fs"
import type { IncomingMessage, ServerResponse } from "node:http"
import { extname, join, normalize, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { ApiError } from "./ApiError.js"
import { sendError } from "./Edge.js"

/** Where the built dashboard is, beside the server's bundle. */
const ROOT = fileURLToPath(new URL("./dashboard/", import.meta.url))

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2"
}

/** Only this origin: the dashboard uses nothing else (no CDN, no external font). */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer"
}

/** Whether a request path is the dashboard's. */
export const isDashboardPath = (path: string): boolean =>
  path === "/dashboard" || path.startsWith("/dashboard/")

const readFile = (file: string): Buffer | undefined => {
  try {
    return statSync(file).isFile() ? readFileSync(file) : undefined
  } catch {
    return undefined
  }
}

/** Answers a GET or HEAD of a dashboard path. */
export const serveDashboard = (req: IncomingMessage, res: ServerResponse, path: string): void => {
  if (path === "/dashboard") {
    res.writeHead(308, { location: "/dashboard/" }).end()
    return
  }
  const notFound = (message: string) => sendError(res, new ApiError({ code: "not_found", message }))
  let relative: string
  try {
    relative = normalize(decodeURIComponent(path.slice("/dashboard/".length)))
  } catch {
    notFound(`no such file: ${path}`)
    return
  }
  if (relative.startsWith("..") || relative.includes(`${sep}..`) || relative.includes("\u0000")) {
    notFound(`no such file: ${path}`)
    return
  }
  const asset = relative.startsWith(`assets${sep}`)
  const file = relative === "." || relative === "" ? undefined : readFile(join(ROOT, relative))
  const body = file ?? (asset ? undefined : readFile(join(ROOT, "index.html")))
  if (body === undefined) {
    notFound(asset ? `no such file: ${path}` : "the dashboard is not built into this server package")
    return
  }
  const type = file === undefined ? TYPES[".html"]! : (TYPES[extname(relative)] ?? "application/octet-stream")
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": type,
    "content-length": body.length,
    "cache-control": asset && file !== undefined ? "public, max-age=31536000, immutable" : "no-cache"
  })
  res.end(req.method === "HEAD" ? undefined : body)
}
