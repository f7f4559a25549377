/**
 * The version the server reports (`GET /v1/status/info`, the start line) is its package.json's,
 * also when the config is loaded from the sources (as unit tests do), not only from dist/.
 */
import { readFileSync } from "node:fs"
import { expect, it } from "vitest"
import { loadConfig } from "../../src/config/Config.js"

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string
}

it("reports @pushback/server's package.json version when loaded from src/", () => {
  expect(pkg.version).not.toBe("0.0.0")
  expect(loadConfig({ db: "sqlite:./data/pushback.db" }, {}, false).version).toBe(pkg.version)
})
