/**
 * docs/email.md as written (issue 26): its "Testing with a local SMTP catcher" blocks start
 * MailDev with `npx` (from the npm registry, hence the slow project) and `pnpm pushback serve
 * --smtp …` at the root of the clone, send a forced email and read it back from MailDev's inbox;
 * its first example, on the getting-started users, queues the two emails it says. The doc's
 * ports (8080, 1025, 1080) become free ones, and the server's database a temporary file: the
 * commands are the doc's own, run in one bash.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { freePort } from "@pushback/testkit"
import { afterAll, expect, it } from "vitest"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..")
const markdown = readFileSync(join(root, "docs/email.md"), "utf8")
const dir = mkdtempSync(join(tmpdir(), "pushback-email-doc-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The `sh` blocks of a section of the page (from its heading to the next one). */
const section = (heading: string) => {
  const start = markdown.indexOf(`## ${heading}`)
  expect(start, heading).toBeGreaterThanOrEqual(0)
  const end = markdown.indexOf("\n## ", start + 3)
  const text = markdown.slice(start, end === -1 ? undefined : end)
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

it("runs the SMTP catcher section and the first example as written", async () => {
  const catcher = section("Testing with a local SMTP catcher")
  expect(catcher.length).toBe(2)
  const example = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((b) => b.includes('"after": 600'))!
  expect(example).toBeDefined()
  const [port, smtp, web] = await Promise.all([freePort(), freePort(), freePort()])
  const ports = (text: string) =>
    text
      .replaceAll("--smtp 1025", `--smtp ${smtp}`)
      .replaceAll("--web 1080", `--web ${web}`)
      .replaceAll("localhost:8080", `localhost:${port}`)
      .replaceAll(":1025", `:${smtp}`)
      .replaceAll(":1080", `:${web}`)
  const admin = "email-doc-admin-token"
  // getting-started's set-up: an app, alice and bob (bob with an address), PB and SECRET
  const setup = `
PB=http://localhost:${port}
ADMIN=${admin}
SECRET=$(curl -s -X POST $PB/v1/apps -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" \\
  -d '{"name": "My app"}' | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).secret')
curl -s -X POST $PB/v1/users -H "Authorization: Bearer $SECRET" -H "Content-Type: application/json" \\
  -d '{"users": ["alice", {"id": "bob", "email": "bob@example.com"}]}' > /dev/null
`
  const script = [
    "set -euo pipefail",
    `PB=http://localhost:${port}`,
    ports(catcher[0]!),
    setup,
    ports(catcher[1]!),
    'echo ""',
    ports(example)
  ].join("\n")
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PUSHBACK_"))),
    PUSHBACK_PORT: String(port),
    PUSHBACK_DATABASE_URL: `sqlite:${join(dir, "pushback.db")}`,
    PUSHBACK_ADMIN_TOKEN: admin
  }
  // its own process group, so the doc's background jobs (MailDev, the server) end with it
  const bash = spawn("bash", ["-c", script], { cwd: root, env, detached: true })
  let out = ""
  let err = ""
  bash.stdout.on("data", (d: Buffer) => (out += d.toString()))
  bash.stderr.on("data", (d: Buffer) => (err += d.toString()))
  // a hung step ends the whole group (MailDev and the server included), not only the test
  const limit = setTimeout(() => process.kill(-bash.pid!, "SIGKILL"), 180_000)
  const code = await new Promise<number | null>((done) => bash.once("exit", done))
  clearTimeout(limit)
  try {
    process.kill(-bash.pid!, "SIGTERM")
  } catch {
    // the group already ended
  }
  const said = `stdout: ${out}\nstderr: ${err.slice(-3000)}`
  expect(code, said).toBe(0)
  expect(out, said).toMatch(/\{"id":"call_[^"]+","recipients":1,"online":0,"emails":1,"pushes":0\}/)
  expect(out, said).toContain("Hello by mail")
  // the first example: two recipients, two addresses (alice's in the call, bob's registered)
  expect(out, said).toMatch(/"recipients":\s*2,\s*"online":\s*0,\s*"emails":\s*2/)
}, 240_000)
