/**
 * Several real nodes as one test resource: one PostgreSQL database (on the run's PostgreSQL,
 * test/pg/globalSetup.ts), one redis-server of its own, N `pushback serve` processes started
 * in parallel (after the first has migrated the database), and optionally Debian's nginx
 * running deploy/nginx/pushback-cluster.conf — the file docs/deploy.md shows — in front of
 * them. Also a client that follows one user through the load balancer as the SDKs do:
 * reconnecting with its cursor whenever its socket closes.
 */
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import {
  connectWs,
  createDatabaseAt,
  freePort,
  startNginx,
  startRedis,
  startServer,
  TEST_POSTGRES_ENV,
  type StartOptions,
  type TestNginx,
  type TestRedis,
  type TestServer
} from "@pushback/testkit"
import { eventually } from "../transports/helpers.js"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..")
/** The load balancer's site file, as docs/deploy.md shows it. */
export const CLUSTER_SITE = join(root, "deploy/nginx/pushback-cluster.conf")

/** Where clients and backends reach the cluster (any node, or the load balancer), with the admin token. */
export type Endpoint = Pick<TestServer, "url" | "wsUrl" | "adminToken">

export interface TestCluster {
  readonly redis: TestRedis
  readonly databaseUrl: string
  readonly nodes: Array<TestServer>
  /** nginx round-robin over every node (when started with `nginx: true`). */
  readonly lb: Endpoint
  /** Starts node `i` again (after a kill) on its port. */
  readonly restartNode: (i: number) => Promise<TestServer>
  readonly stop: () => Promise<void>
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

/** Starts a cluster of `size` nodes on PostgreSQL + Redis. */
export const startCluster = async (
  options: { size?: number; nginx?: boolean; node?: StartOptions } = {}
): Promise<TestCluster> => {
  const size = options.size ?? 3
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
  let lb: Endpoint = nodes[0]!
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
      10_000
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

/** A user followed through reconnects: every entry seq received, in order of arrival. */
export interface Follower {
  readonly seqs: Array<number>
  /** Sockets opened so far (1 + reconnects). */
  readonly connections: () => number
  readonly stop: () => Promise<void>
}

/**
 * Follows a user over WebSocket at `endpoint`, reconnecting with the last seq as cursor after
 * every close (as the SDKs do), until stopped. `token` is fetched again for each connection.
 */
export const follow = (endpoint: Endpoint, token: () => Promise<string>): Promise<Follower> =>
  new Promise((ready, fail) => {
    const seqs: Array<number> = []
    let stopped = false
    let opened = 0
    let current: Awaited<ReturnType<typeof connectWs>> | undefined
    const open = async (first: boolean): Promise<void> => {
      while (!stopped) {
        try {
          const cursor = seqs.length === 0 ? 0 : seqs[seqs.length - 1]!
          const ws = await connectWs(
            `${endpoint.wsUrl}/v1/ws?token=${encodeURIComponent(await token())}&cursor=${cursor}`
          )
          opened++
          current = ws
          ws.socket.on("message", (data) => {
            const f = JSON.parse(data.toString()) as { seq?: unknown }
            if (typeof f.seq === "number") seqs.push(f.seq)
          })
          await ws.next((f) => f.type === "welcome", 10_000)
          if (first) ready(follower)
          first = false
          await ws.closed
        } catch (e) {
          if (first) return fail(e)
        }
        if (!stopped) await new Promise((r) => setTimeout(r, 100 + Math.random() * 200))
      }
    }
    const follower: Follower = {
      seqs,
      connections: () => opened,
      stop: async () => {
        stopped = true
        await current?.close()
      }
    }
    void open(true)
  })

/** Whether `seqs` is exactly 1..n, each once, in order. */
export const contiguous = (seqs: ReadonlyArray<number>, n: number): boolean =>
  seqs.length === n && seqs.every((s, i) => s === i + 1)
