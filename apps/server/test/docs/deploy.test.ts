/**
 * docs/deploy.md shows the deployment files whole, and those are the files the tests run
 * (deploy/nginx/pushback.conf in test/deploy/nginx.test.ts, deploy/nginx/pushback-cluster.conf
 * in packages/testkit/src/cluster.ts; deploy/systemd/pushback.service and
 * the Dockerfile in test/package/packed.test.ts). This keeps the page and the files the same.
 */
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..")
const page = readFileSync(join(root, "docs/deploy.md"), "utf8")
const blocks = [...page.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }))

it.each([
  ["deploy/nginx/pushback.conf", "nginx"],
  ["deploy/nginx/pushback-cluster.conf", "nginx"],
  ["deploy/nginx/nginx-cluster.conf", "nginx"],
  ["deploy/systemd/pushback.service", "ini"],
  ["Dockerfile", "dockerfile"]
])("docs/deploy.md shows %s whole, as it is", (file, lang) => {
  const text = readFileSync(join(root, file), "utf8")
  const shown = blocks.filter((b) => b.lang === lang)
  expect(
    shown.map((b) => b.text),
    `a \`\`\`${lang} block of docs/deploy.md must be ${file}`
  ).toContain(text)
  expect(page).toContain(`(../${file})`)
})
