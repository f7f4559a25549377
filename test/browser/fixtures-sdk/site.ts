/**
 * The page origin for the browser SDK suite: a node:http server on its own port (so the
 * PushBack server is another origin) serving the fixture page, the script-tag build of
 * `@pushback/browser`, and `/token?user=` — what a customer's backend does for `getToken`.
 */
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"

/** The script-tag build; `pnpm build` (or `pnpm --filter @pushback/browser build`) makes it. */
export const GLOBAL_BUILD = fileURLToPath(
  new URL("../../../packages/browser/dist/pushback.global.js", import.meta.url)
)
const PAGE = fileURLToPath(new URL("./page.html", import.meta.url))

export interface Site {
  readonly origin: string
  readonly close: () => Promise<void>
}

/** Serves the page and the SDK on 127.0.0.1; `mint(user)` answers `/token`. */
export const startSite = async (mint: (user: string) => Promise<string>): Promise<Site> => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    if (url.pathname === "/pushback.global.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(readFileSync(GLOBAL_BUILD))
    } else if (url.pathname === "/token") {
      mint(url.searchParams.get("user") ?? "").then(
        (token) => res.writeHead(200, { "content-type": "text/plain" }).end(token),
        () => res.writeHead(500).end()
      )
    } else if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(readFileSync(PAGE))
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
