/**
 * docs/getting-started.md promises its `sh` blocks work exactly as written. This runs
 * them, in order, in one bash, against a real server whose data folder is the working
 * directory (so `cat data/admin-token` works), and checks what the text says they print.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { startServer } from "@pushback/testkit"
import { expect, it } from "vitest"
import { commandOk } from "../../../../scripts/vitest/command.mjs"

const doc = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../../docs/getting-started.md")

it("runs the getting-started shell blocks as written", async () => {
  const markdown = readFileSync(doc, "utf8")
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
  expect(blocks.length).toBeGreaterThanOrEqual(6)
  const cwd = mkdtempSync(join(tmpdir(), "pushback-docs-"))
  const server = await startServer({ dataDir: join(cwd, "data"), env: { PUSHBACK_ADMIN_TOKEN: "" } })
  try {
    const script = ["set -euo pipefail", ...blocks].join("\n").replaceAll("http://localhost:8080", server.url)
    const out = (await commandOk("bash", ["-c", script], { cwd })).stdout
    expect(out).toContain('{"ok":true}')
    expect(out).toContain('{"registered":2}')
    expect(out).toMatch(/\{"id":"call_[^"]+","recipients":1,"online":0,"emails":0,"pushes":0\}/)
    expect(out).toContain("New like")
    expect(out).toContain('{"unseen":1,"unread":1,"total":1}')
    expect(out).toContain('{"updated":1}')
    // nothing written where the commands run (the repository's root): the secret stays out of it
    expect(readdirSync(cwd).sort()).toEqual(["data"])
  } finally {
    await server.dispose()
    rmSync(cwd, { recursive: true, force: true })
  }
})
