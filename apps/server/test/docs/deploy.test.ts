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
  ["Dockerfile", "dockerfile"],
  ["deploy/compose/cluster.yaml", "yaml"]
])("docs/deploy.md shows %s whole, as it is", (file, lang) => {
  const text = readFileSync(join(root, file), "utf8")
  const shown = blocks.filter((b) => b.lang === lang)
  expect(
    shown.map((b) => b.text),
    `a \`\`\`${lang} block of docs/deploy.md must be ${file}`
  ).toContain(text)
  expect(page).toContain(`(../${file})`)
})

// Issue 26: the compose cluster's nginx site is the cluster site of deploy/nginx with the three
// node services as its upstream, and those are the compose file's nodes, each from the Dockerfile.
it("the compose cluster's nginx site is the cluster site, naming the compose file's nodes", () => {
  const cluster = readFileSync(join(root, "deploy/nginx/pushback-cluster.conf"), "utf8")
  const compose = readFileSync(join(root, "deploy/compose/cluster.yaml"), "utf8")
  const site = readFileSync(join(root, "deploy/compose/nginx-site.conf"), "utf8")
  const expected = cluster
    .slice(cluster.indexOf("upstream pushback_cluster"))
    .replace(/server 127\.0\.0\.1:808(\d) /g, "server node$1:8080 ")
    .replace("server_name push.example.com;", "server_name _;")
  expect(site.slice(site.indexOf("upstream pushback_cluster"))).toBe(expected)
  const nodes = [...compose.matchAll(/^ {2}(node\d):$/gm)].map((m) => m[1])
  expect(nodes).toEqual(["node1", "node2", "node3"])
  for (const node of nodes) expect(site).toContain(`server ${node}:8080 `)
  expect(compose).toContain("dockerfile: Dockerfile")
  expect(compose).toContain("init: true")
  expect(compose.match(/<<: \*node/g)).toHaveLength(3)
  expect(compose.match(/PUSHBACK_REDIS_URL: redis:\/\/redis:6379/g)).toHaveLength(3)
})
