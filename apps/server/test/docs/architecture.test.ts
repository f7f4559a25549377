/**
 * docs/architecture.md maps apps/server/src folder by folder: every folder of the source tree
 * is on the page, and every source file the page names exists, so a move or a new concept
 * that forgets the page fails here instead of leaving it stale.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..")
const src = join(root, "apps/server/src")
const page = readFileSync(join(root, "docs/architecture.md"), "utf8")

const folders = (dir: string, prefix = ""): Array<string> =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => [`${prefix}${e.name}/`, ...folders(join(dir, e.name), `${prefix}${e.name}/`)])

it("names every folder of apps/server/src", () => {
  const all = folders(src)
  expect(all.length).toBeGreaterThan(10)
  expect(all.filter((f) => !page.includes(`\`${f}\``))).toEqual([])
})

it("names only source files that exist", () => {
  const top = new Set(folders(src).filter((f) => !f.slice(0, -1).includes("/")))
  const named = [...page.matchAll(/`([a-z]+\/[\w/]*\w+\.ts)`/g)]
    .map((m) => m[1]!)
    .filter((p) => top.has(`${p.split("/")[0]}/`))
  expect(named.length).toBeGreaterThan(50)
  expect(named.filter((p) => !statSync(join(src, p), { throwIfNoEntry: false })?.isFile())).toEqual([])
})

it("is linked from the README and the server's README", () => {
  expect(readFileSync(join(root, "README.md"), "utf8")).toContain("(docs/architecture.md)")
  expect(readFileSync(join(root, "apps/server/README.md"), "utf8")).toContain("(../../docs/architecture.md)")
})
