/**
 * Several real nodes as one test resource: one PostgreSQL database (on the run's PostgreSQL,
 * apps/server/test/pg/globalSetup.ts), one redis-server of its own, N `pushback serve`
 * processes (the first migrates the empty database, the others then start in parallel), and
 * optionally Debian's nginx running deploy/nginx/pushback-cluster.conf — the file
 * docs/deploy.md shows — in front of them. `useCluster` gives a test file one, started in
 * `beforeAll` and stopped in `afterAll`.
 */
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll } from "vitest"
import { freePort } from "./net.js"
import { startNginx, type TestNginx } from "./nginx.js"
import { createDatabaseAt, TEST_POSTGRES_ENV } from "./postgres.js"
import { startRedis, type TestRedis } from "./redis.js"
import { type StartOptions, startServer, type TestServer } from "./server.js"
import { eventually } from "./wait.js"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..")
/** The load balancer's site file, as docs/deploy.md shows it. */
export const CLUSTER_SITE = join(root, "deploy/nginx/pushback-cluster.conf")

/** Where clients and backends reach the cluster (any node, or the load balancer), with the admin token. */
export type ClusterEndpoint = Pick<TestServer, "url" | "wsUrl" | "adminToken">

/** A running cluster. */
export interface TestCluster {
  readonly redis: TestRedis
  readonly databaseUrl: string
  readonly nodes: Array<TestServer>
  /** nginx round-robin over every node (when started with `nginx: true`), else the first node. */
  readonly lb: ClusterEndpoint
  /** Starts node `i` again (after a kill) on its port. */
  readonly restartNode: (i: number) => Promise<TestServer>
  readonly stop: () => Promise<void>
}

/** How many nodes, whether nginx fronts them, and what every node starts with. */
export interface ClusterOptions {
  /** Number of nodes (default 3; the nginx site lists 3). */
  readonly nodes?: number
  readonly nginx?: boolean
  readonly node?: StartOptions
}

/** The cluster site with its ports: each replacement must match as often as expected. */
const adaptSite = (site: string, listen: number, ports: ReadonlyArray<number>): string => {
  const servers = site.match(/^(\s*server\s+)127\.0\.0\.1:\d+( .*;)$/gm) ?? []
  if (servers.length !== ports.length) {
    throw new Error(`the cluster site lists ${servers.length} nodes, the test starts ${ports.length}`)
  }
  let i = 0
  const adapted = site
    .replace(
      /^(\s*server\s+)127\.0\.0\.1:\d+( .*;)$/gm,
      (_, head: string, tail: string) => `${head}127.0.0.1:${ports[i++]}${tail}`
    )
    .replace(/^(\s*listen\s+)80;$/m, `$1127.0.0.1:${listen};`)
  if (!adapted.includes(`127.0.0.1:${listen};`)) throw new Error("the cluster site has no `listen 80;`")
  return adapted
}

/** Starts a cluster of `nodes` nodes on PostgreSQL + Redis (in the server-pg project). */
export const startCluster = async (options: ClusterOptions = {}): Promise<TestCluster> => {
  const size = options.nodes ?? 3
  const postgres = process.env[TEST_POSTGRES_ENV]
  if (postgres === undefined || postgres === "")
    throw new Error("the cluster suites run in the server-pg project")
  const [redis, databaseUrl] = await Promise.all([startRedis(), createDatabaseAt(postgres)])
  const start = (i: number, port?: number) =>
    startServer({
      ...options.node,
      databaseUrl,
      ...(port === undefined ? {} : { port }),
      args: [...(options.node?.args ?? []), "--redis", redis.url],
      env: { PUSHBACK_NODE_ID: `node-${i}`, ...options.node?.env }
    })
  // The first node migrates the empty database; the others start together on the result.
  const nodes = [await start(0)]
  nodes.push(...(await Promise.all(Array.from({ length: size - 1 }, (_, i) => start(i + 1)))))
  let nginx: TestNginx | undefined
  let lb: ClusterEndpoint = nodes[0]!
  if (options.nginx === true) {
    const port = await freePort()
    const site = adaptSite(
      readFileSync(CLUSTER_SITE, "utf8"),
      port,
      nodes.map((n) => n.port)
    )
    const started = startNginx(site)
    nginx = started
    lb = {
      url: `http://127.0.0.1:${port}`,
      wsUrl: `ws://127.0.0.1:${port}`,
      adminToken: nodes[0]!.adminToken
    }
    await eventually(
      () =>
        fetch(`${lb.url}/v1/status/ping`).then(
          (r) => r.ok,
          () => false
        ),
      { timeout: 10_000, what: "nginx" }
    ).catch(() => {
      throw new Error(`nginx did not come up:\n${started.log()}`)
    })
  }
  return {
    redis,
    databaseUrl,
    nodes,
    lb,
    restartNode: async (i) => {
      nodes[i] = await start(i, nodes[i]!.port)
      return nodes[i]!
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.dispose()))
      await Promise.all([nginx?.stop(), redis.stop()])
    }
  }
}

/** A cluster started before the file's (or the `describe`'s) tests and stopped after them. */
export const useCluster = (options: ClusterOptions = {}): TestCluster => {
  let current: TestCluster | undefined
  const live = (): TestCluster => {
    if (current === undefined)
      throw new Error("useCluster: the cluster starts in beforeAll; read it in a test or a hook")
    return current
  }
  beforeAll(async () => {
    current = await startCluster(options)
  })
  afterAll(async () => {
    const cluster = current
    current = undefined
    await cluster?.stop()
  })
  return {
    get redis() {
      return live().redis
    },
    get databaseUrl() {
      return live().databaseUrl
    },
    get nodes() {
      return live().nodes
    },
    get lb() {
      return live().lb
    },
    restartNode: (i) => live().restartNode(i),
    stop: async () => {
      const cluster = current
      current = undefined
      await cluster?.stop()
    }
  }
}
