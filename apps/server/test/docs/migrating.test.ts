/**
 * docs/migrating.md promises its curl examples work as written: this runs its `sh` blocks, in
 * order, in one bash, against a real server whose data folder is the working directory (so
 * `cat data/admin-token` works), and checks what each seed's calls answer.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { startServer } from "@pushback/testkit"
import { expect, it } from "vitest"
import { commandOk } from "../../../../scripts/vitest/command.mjs"

const doc = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../../docs/migrating.md")

it("runs the migrating guide's curl examples as written", async () => {
  const markdown = readFileSync(doc, "utf8")
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
  expect(blocks.length).toBe(5)
  const cwd = mkdtempSync(join(tmpdir(), "pushback-migrating-"))
  const server = await startServer({ dataDir: join(cwd, "data"), env: { PUSHBACK_ADMIN_TOKEN: "" } })
  try {
    const script = ["set -euo pipefail", ...blocks].join("\n").replaceAll("http://localhost:8080", server.url)
    const lines = (await commandOk("bash", ["-c", script], { cwd })).stdout.split("\n")
    expect(lines[0]).toBe('{"registered":2}')
    expect(lines[1]).toMatch(/^\{"id":"call_[^"]+","recipients":2,"online":0,"emails":0,"pushes":0\}$/)
    expect(lines[2]).toBe('{"token":"')
    expect(lines[3]).toMatch(/^\{"id":"call_[^"]+","recipients":1,"online":0,"emails":0,"pushes":0\}$/)
    expect(lines[4]).toBe('{"ok":true}')
    expect(lines[5]).toMatch(/^\{"id":"call_[^"]+","recipients":1,"online":0,"emails":0,"pushes":0\}$/)
    const patched = JSON.parse(lines[6]!) as { readed: string | null; event: Record<string, unknown> }
    expect(patched).toMatchObject({
      readed: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
      event: { author: "9", title: "Re: your post", message: "Nice one" }
    })
    const read = JSON.parse(lines[7]!) as { count: number; results: Array<unknown> }
    expect(read.count).toBe(1)
    expect(read.results[0]).toEqual(patched)
  } finally {
    await server.dispose()
    rmSync(cwd, { recursive: true, force: true })
  }
})
