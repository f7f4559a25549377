/**
 * Ports, host and what the docs tell a new user to install (issue 26). `npm start` (the quick
 * start) runs `serve --local`: 127.0.0.1 unless `--host`, `PUSHBACK_HOST` or the config file say
 * where, while `pushback serve`, the Docker image and the systemd recipe keep 0.0.0.0 or their
 * own. And no page tells anyone to `npm install` a package that is not published.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { CLI_PATH, spawnReady } from "@pushback/testkit"
import { afterAll, describe, expect, it } from "vitest"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..")
const dir = mkdtempSync(join(tmpdir(), "pushback-host-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const env = (extra: Record<string, string> = {}) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PUSHBACK_"))),
  PUSHBACK_ADMIN_TOKEN: "host-test-token",
  PUSHBACK_PORT: "0",
  ...extra
})

/** The host of the ready line of `serve` with these arguments and variables. */
const readyHost = async (args: Array<string>, extra: Record<string, string> = {}) => {
  const db = `sqlite:${join(dir, `${args.join("-") || "plain"}-${Object.keys(extra).join("-")}.db`)}`
  const node = await spawnReady(process.execPath, [CLI_PATH, "serve", "--db", db, ...args], {
    cwd: dir,
    env: env(extra)
  })
  try {
    return /ready on http:\/\/([^:\s]+):/.exec(node.output())![1]
  } finally {
    await node.stop()
  }
}

describe("the listening host", () => {
  it("npm start runs serve --local", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>
    }
    expect(pkg.scripts["start"]).toMatch(/cli\.js serve --local$/)
  })

  it("serve --local listens on 127.0.0.1 unless told otherwise; serve alone on every interface", async () => {
    const [local, told, plain] = await Promise.all([
      readyHost(["--local"]),
      readyHost(["--local"], { PUSHBACK_HOST: "0.0.0.0" }),
      readyHost([])
    ])
    expect(local).toBe("127.0.0.1")
    // 0.0.0.0 is shown as localhost in the ready line
    expect(told).toBe("localhost")
    expect(plain).toBe("localhost")
  })

  it("the Docker image and the deployment recipes do not use --local", () => {
    for (const file of ["Dockerfile", "deploy/systemd/pushback.service", "docs/deploy.md"]) {
      expect(readFileSync(join(root, file), "utf8"), file).not.toContain("--local")
    }
  })
})

describe("what the docs tell a new user to install", () => {
  const pages = [
    "README.md",
    ...readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
    ...["apps/server", "packages/node", "packages/browser", "packages/react", "packages/protocol"].map(
      (p) => `${p}/README.md`
    )
  ]
  it("no command installs an unpublished @pushback package from the registry", () => {
    for (const page of pages) {
      let text: string
      try {
        text = readFileSync(join(root, page), "utf8")
      } catch {
        continue
      }
      const commands = [...text.matchAll(/```(?:sh|bash|text)?\n([\s\S]*?)```/g)].map((m) => m[1]!).join("\n")
      expect(commands, page).not.toMatch(/(npm (install|i)|pnpm add|yarn add) [^\n]*@pushback\/(?!.*\.tgz)/)
    }
    expect(readFileSync(join(root, "README.md"), "utf8")).toContain("The npm packages are not published yet")
    expect(readFileSync(join(root, "docs/deploy.md"), "utf8")).toContain(
      "node scripts/pack-server.mjs /opt/pushback"
    )
  })
})
