#!/usr/bin/env node
// Installs @pushback/server into a folder the way a user of the published package gets it:
// `pnpm pack` of the server and of the workspace packages it depends on, then `npm install` of
// those tarballs into DIR (dependencies from the npm registry, better-sqlite3 compiled there).
// The Dockerfile's build stage runs exactly this, and a test runs it on every CI run, so the
// image's contents are exercised even where no Docker engine exists.
//
//   node scripts/pack-server.mjs DIR      then: cd DIR && npx pushback serve
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(fileURLToPath(new URL("..", import.meta.url)))
const target = process.argv[2]
if (target === undefined) {
  console.error("usage: node scripts/pack-server.mjs DIR")
  process.exit(1)
}
const dir = resolve(target)
const tarballs = join(dir, "packages")

const log = (msg) => console.log(`[pack-server] ${msg}`)
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "inherit", "inherit"] })
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"))

/** Every workspace package by name, with its folder. */
const workspace = new Map(
  ["packages", "apps"].flatMap((group) =>
    readdirSync(join(root, group))
      .map((name) => join(root, group, name))
      .filter((folder) => existsSync(join(folder, "package.json")))
      .map((folder) => [readJson(join(folder, "package.json")).name, folder])
  )
)

/** The server and, transitively, the workspace packages it needs at run time. */
const toPack = []
const visit = (name) => {
  const folder = workspace.get(name)
  if (folder === undefined || toPack.includes(folder)) return
  toPack.push(folder)
  const deps = readJson(join(folder, "package.json")).dependencies ?? {}
  for (const [dep, spec] of Object.entries(deps)) if (String(spec).startsWith("workspace:")) visit(dep)
}
visit("@pushback/server")

log("building")
run("pnpm", ["run", "build"], root)
mkdirSync(tarballs, { recursive: true })
for (const folder of toPack) {
  log(`packing ${relative(root, folder)}`)
  run("pnpm", ["pack", "--pack-destination", tarballs], folder)
}
const packed = readdirSync(tarballs)
  .filter((f) => f.endsWith(".tgz"))
  .map((f) => `./packages/${f}`)
if (!existsSync(join(dir, "package.json"))) {
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "pushback-node", private: true }, null, 2)}\n`
  )
}
log(`installing ${packed.join(", ")} with npm into ${dir}`)
run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error", ...packed], dir)
log(`done: cd ${dir} && npx pushback serve`)
