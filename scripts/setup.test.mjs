// The setup script's choice of pnpm (scripts/pnpm.mjs) on a machine whose PATH already has
// another pnpm first: a pnpm 10 other than the pinned one runs as itself (pnpm 10.34.5+ would
// otherwise switch to the pinned version and refuse to run it where the registry serves no
// signature: "its npm registry signature could not be verified"), and a pnpm that is not pnpm 10
// gets the pinned one installed beside it. Real pnpm releases, installed with npm into a temp
// dir; a fresh pnpm home, so nothing is cached from an earlier switch. In the `slow` project.
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PINNED_PNPM } from "./pnpm.mjs"
import { command, commandOk } from "./vitest/command.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const tmp = mkdtempSync(join(tmpdir(), "pushback-setup-pnpm-"))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** Another pnpm 10 than the pinned one, and a pnpm 9. */
const OTHER_10 = PINNED_PNPM === "10.34.7" ? "10.34.6" : "10.34.7"
const PNPM_9 = "9.15.9"

/** Installs pnpm `version` with npm into the temp dir; answers its bin folder. */
const install = async (version) => {
  const prefix = join(tmp, `pnpm-${version}`)
  await commandOk("npm", [
    "install",
    "--prefix",
    prefix,
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    `pnpm@${version}`
  ])
  return join(prefix, "node_modules", ".bin")
}

const bins = {}
beforeAll(async () => {
  bins.other10 = await install(OTHER_10)
  bins.pnpm9 = await install(PNPM_9)
}, 180_000)

/**
 * The environment of a machine with `bin` first on PATH and nothing of pnpm's cached yet (no
 * switch setting either: this test may itself run under `npm test`, whose setup sets one).
 */
const machine = (bin) => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^p?npm_config_manage.package.manager.versions$/i.test(k))
  ),
  PATH: `${bin}${delimiter}${process.env.PATH}`,
  PNPM_HOME: join(tmp, "pnpm-home"),
  XDG_DATA_HOME: join(tmp, "data"),
  XDG_CACHE_HOME: join(tmp, "cache")
})

/** `node scripts/setup.mjs --pnpm-only -- pnpm --version` on that machine: the pnpm it runs. */
const setupsPnpm = (bin) =>
  command(process.execPath, ["scripts/setup.mjs", "--pnpm-only", "--", "pnpm", "--version"], {
    cwd: root,
    env: machine(bin),
    timeoutMs: 120_000
  })

const lastLine = (text) => text.trim().split("\n").at(-1)

describe("setup's pnpm, with another pnpm first on PATH", () => {
  it(`pnpm ${OTHER_10} on its own does not run as itself in this workspace (it switches to the pin, or refuses to)`, async () => {
    const plain = await command("pnpm", ["--version"], {
      cwd: root,
      env: machine(bins.other10),
      timeoutMs: 120_000
    })
    expect(`${plain.stdout}${plain.stderr}`).not.toMatch(
      new RegExp(`^${OTHER_10.replace(/\./g, "\\.")}\\s*$`)
    )
  }, 150_000)

  it(`another pnpm 10 (${OTHER_10}) is used as it is: no switch, no download`, async () => {
    const result = await setupsPnpm(bins.other10)
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0)
    expect(lastLine(result.stdout)).toBe(OTHER_10)
    expect(result.stdout).toContain(`[setup] pnpm ${OTHER_10} from PATH`)
    expect(existsSync(join(tmp, "cache", "pushback"))).toBe(false)
  }, 150_000)

  it(`a pnpm that is not pnpm 10 (${PNPM_9}) gets pnpm ${PINNED_PNPM} installed beside it, and that one runs`, async () => {
    const result = await setupsPnpm(bins.pnpm9)
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0)
    expect(lastLine(result.stdout)).toBe(PINNED_PNPM)
    expect(result.stdout).toContain(`is pnpm ${PNPM_9}, not pnpm 10`)
    expect(
      existsSync(join(tmp, "cache", "pushback", `pnpm-${PINNED_PNPM}`, "node_modules", ".bin", "pnpm"))
    ).toBe(true)
  }, 150_000)
})
