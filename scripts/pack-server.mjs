#!/usr/bin/env node
// Installs @pushback/server into a folder the way a user of the published package gets it:
// `pnpm pack` of the server and of the workspace packages it depends on, then `npm install` of
// those tarballs into DIR (dependencies from the npm registry, better-sqlite3 compiled there).
// The Dockerfile's build stage runs exactly this, and a test runs it on every CI run (with the
// two flags below, which change neither what is packed nor what npm installs), so the image's
// contents are exercised even where no Docker engine exists.
//
//   node scripts/pack-server.mjs DIR [--no-build] [--reuse-native]
//   then: cd DIR && npx pushback serve
//
// --no-build: the builds are known to be current (the packed test's globalSetup made sure).
// --reuse-native: better-sqlite3's install script (prebuild-install) takes the workspace's
// compiled binary as a local prebuild instead of compiling it again (about a minute), when
// npm resolves the same version and this Node has the same ABI; otherwise it compiles as usual.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { NO_SWITCH } from "./pnpm.mjs"

const root = resolve(fileURLToPath(new URL("..", import.meta.url)))
const args = process.argv.slice(2)
const target = args.find((a) => !a.startsWith("--"))
if (target === undefined) {
  console.error("usage: node scripts/pack-server.mjs DIR [--no-build] [--reuse-native]")
  process.exit(1)
}
const dir = resolve(target)
const tarballs = join(dir, "packages")

const log = (msg) => console.log(`[pack-server] ${msg}`)
/** Any pnpm 10 runs as itself (scripts/pnpm.mjs). */
const env = { ...process.env, ...NO_SWITCH }
const run = (cmd, args, cwd, extraEnv = {}) =>
  execFileSync(cmd, args, { cwd, env: { ...env, ...extraEnv }, stdio: ["ignore", "inherit", "inherit"] })
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

if (!args.includes("--no-build")) {
  log("building")
  run("pnpm", ["run", "build"], root)
}
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
/**
 * The workspace's compiled better-sqlite3 as a prebuild bundle (prebuild-install's format and
 * name: NAME-vVERSION-node-vABI-PLATFORM-ARCH.tar.gz, holding build/Release/*.node), and the
 * variable that points prebuild-install at it; no variable when there is nothing to reuse.
 */
const localPrebuild = () => {
  const pkg = join(root, "apps/server/node_modules/better-sqlite3")
  const binary = join(pkg, "build/Release/better_sqlite3.node")
  if (!existsSync(binary)) return {}
  const { version } = readJson(join(pkg, "package.json"))
  const folder = join(dir, "prebuilds")
  mkdirSync(folder, { recursive: true })
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
  execFileSync("tar", ["-czf", join(folder, name), "-C", pkg, "build/Release/better_sqlite3.node"])
  log(`better-sqlite3 ${version}: the workspace's build, as a local prebuild (${name})`)
  return { npm_config_better_sqlite3_local_prebuilds: folder }
}
const native = args.includes("--reuse-native") ? localPrebuild() : {}

log(`installing ${packed.join(", ")} with npm into ${dir}`)
run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error", ...packed], dir, native)
log(`done: cd ${dir} && npx pushback serve`)
