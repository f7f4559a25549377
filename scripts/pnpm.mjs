// Which pnpm the scripts run, and how. The workspace pins pnpm (package.json `packageManager`),
// and pnpm 10 switches to the pinned version by downloading it; since 10.34.5 it refuses to run
// that download when it cannot verify its npm registry signature ("its npm registry signature
// could not be verified"), which is what a machine with another pnpm 10 on its PATH and a
// registry (or mirror) without signatures got from `node scripts/setup.mjs`. Any pnpm 10 reads
// this lockfile and these settings alike, so the scripts run the pnpm 10 they find with the
// switch off (`manage-package-manager-versions=false`, passed on to everything they start), and
// install the pinned one beside it only when there is no pnpm 10 to run.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { homedir } from "node:os"
import { delimiter, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

/** The pinned version (package.json `packageManager`). */
export const PINNED_PNPM = JSON.parse(
  readFileSync(join(root, "package.json"), "utf8")
).packageManager.replace(/^pnpm@/, "")

/** Environment for any pnpm 10 the scripts run: it runs itself, never a download of the pin. */
export const NO_SWITCH = { npm_config_manage_package_manager_versions: "false" }

/** The version of the pnpm that `env`'s PATH finds, asked in the workspace; undefined if none runs. */
export const pnpmVersion = (env) => {
  const result = spawnSync("pnpm", ["--version"], { cwd: root, env, encoding: "utf8" })
  return result.status === 0 ? result.stdout.trim() : undefined
}

/** Where the pinned pnpm is installed when the one on PATH cannot be used. */
const besideDir = (env) =>
  join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pushback", `pnpm-${PINNED_PNPM}`)

/**
 * The environment to run pnpm with: the pnpm 10 on PATH if there is one (whatever its minor
 * version), else a pnpm installed with npm (globally when there is no pnpm at all, as a fresh
 * machine needs one anyway; beside the other one, in ~/.cache/pushback, when PATH has a pnpm
 * that is not pnpm 10 or does not run), with the version switch off.
 */
export const choosePnpm = (log, base = process.env) => {
  const env = { ...base, ...NO_SWITCH }
  const found = pnpmVersion(env)
  if (found?.startsWith("10.")) {
    log(
      found === PINNED_PNPM
        ? `pnpm ${found}`
        : `pnpm ${found} from PATH (pinned: ${PINNED_PNPM}; any pnpm 10 will do, so no switch)`
    )
    return env
  }
  const onPath = spawnSync("sh", ["-c", "command -v pnpm"], { env, encoding: "utf8" }).stdout.trim()
  if (onPath === "") {
    log(`installing pnpm@${PINNED_PNPM} with npm`)
    execFileSync("npm", ["install", "--global", `pnpm@${PINNED_PNPM}`], { stdio: "inherit", env })
  } else {
    const dir = besideDir(env)
    const bin = join(dir, "node_modules", ".bin")
    log(`${onPath} is pnpm ${found ?? "(does not run)"}, not pnpm 10: using pnpm@${PINNED_PNPM} from ${bin}`)
    if (!existsSync(join(bin, "pnpm"))) {
      execFileSync(
        "npm",
        ["install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", `pnpm@${PINNED_PNPM}`],
        { stdio: "inherit", env }
      )
    }
    env.PATH = `${bin}${delimiter}${env.PATH ?? ""}`
  }
  const now = pnpmVersion(env)
  if (!now?.startsWith("10.")) throw new Error(`[setup] pnpm 10 still does not run (got ${now ?? "nothing"})`)
  return env
}
