/**
 * The server's version (`GET /v1/status/info`, the start line): the `version` of
 * @pushback/server's package.json, found by walking up from this module, so it is right both
 * from the bundle in dist/ and from the sources in src/config/ (unit tests, `tsx`).
 */
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const PACKAGE_NAME = "@pushback/server"

/** The version in the nearest package.json above `from` that is @pushback/server's, else `0.0.0`. */
export const serverVersion = (from: string = import.meta.url): string => {
  let dir = dirname(fileURLToPath(from))
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string
        version?: string
      }
      if (pkg.name === PACKAGE_NAME) return pkg.version ?? "0.0.0"
    } catch {
      // no (readable) package.json here: look further up
    }
    const parent = dirname(dir)
    if (parent === dir) return "0.0.0"
    dir = parent
  }
}
