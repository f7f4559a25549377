// The systems the peers bench compares (PushBack on SQLite, on PostgreSQL, and as 3 nodes; three
// peers), behind one shape so the load generator treats them alike. Each `start(dir, http)`
// launches the server(s) pinned to core 0 (PushBack's takes `{config}`, added to its
// configuration file, and answers its app's `secret` and `api(path, body)` too) and answers with:
//   pids                     the processes whose CPU time (with their children) is measured
//   procs                    PushBack only: [{pid, role}], role "node" (CPU read per thread),
//                            "PostgreSQL" or "Redis" (CPU read whole, with children)
//   port                     where requests go, unless a request names its own `port`
//   addUsers(users)          what must happen before users connect (PushBack registers them)
//   connect(user, onPayload) opens one WebSocket for the user; onPayload gets each pushed payload
//   unicast(user, payload)   the HTTP request that pushes payload to one user
//   broadcast(payload)       the HTTP request that pushes payload to every connected user
//   stop()                   ends the server
// Requests are {path, body, headers, port?} for the shared HTTP pusher (load.mjs).
import { writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { io as ioClient } from "socket.io-client"
import WebSocket from "ws"
import { startNchan } from "./nginx.mjs"
import { startPostgres, startRedis } from "../cluster/services.mjs"
import { start, stop } from "./proc.mjs"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")
const SERVER_CORE = 0
const CONNECT_TIMEOUT_MS = 15_000
const ADMIN = "bench-peers-admin-token"

const withTimeout = (promise, what) =>
  new Promise((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`${what}: no answer in ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS
    )
    promise.then(
      (v) => {
        clearTimeout(timer)
        done(v)
      },
      (e) => {
        clearTimeout(timer)
        fail(e)
      }
    )
  })

/** A `ws` client to `url`; resolves once `isReady(frame)` (or on open when not given). */
const openWs = (url, onPayload, parse, isReady) =>
  withTimeout(
    new Promise((done, fail) => {
      const ws = new WebSocket(url)
      ws.on("error", fail) // after open: a no-op; the loss shows in the counts
      if (!isReady) ws.once("open", () => done(ws))
      ws.on("message", (data) => {
        const frame = JSON.parse(data)
        if (isReady?.(frame)) return done(ws)
        const payload = parse(frame)
        if (payload !== undefined) onPayload(payload)
      })
    }),
    url
  ).then((ws) => ({ close: () => ws.terminate() }))

const startNode = async (file, env) => {
  // PUSHBACK_BENCH_PROFILE=DIR: a CPU profile of every thread of the server, written there on exit
  const profile = process.env.PUSHBACK_BENCH_PROFILE
  const flags = profile ? ["--cpu-prof", "--cpu-prof-dir", profile] : []
  const { child, match } = await start(process.execPath, [...flags, file, ...(env.args ?? [])], {
    core: SERVER_CORE,
    ready: /(?:listening on|ready on) http:\/\/[^:\s]+:(\d+)/,
    env: env.vars ?? {}
  })
  return { child, port: Number(match[1]) }
}

const push = (user, payload) => ({ path: "/push", body: JSON.stringify({ user, payload }) })
const broadcast = (payload) => ({ path: "/broadcast", body: JSON.stringify({ payload }) })

/**
 * PushBack on `nodes` nodes, every one on the server core: SQLite (one node), or one PostgreSQL
 * shared by the nodes, with one Redis when there are several. Clients connect to the nodes in
 * turn and notify calls go to them in turn (as a round-robin load balancer would send them);
 * the CPU measured is that of every node and of PostgreSQL and Redis.
 */
const pushback = ({ name, label, short, store, nodes }) => ({
  name,
  label,
  short,
  async start(dir, http, { config: extra = {} } = {}) {
    // The per-app notify rate limit (default 1,000/s) is raised out of the way: it is a policy,
    // and the peers have none. `extra` adds to the configuration file (a bench of one feature).
    const config = join(dir, "pushback.json")
    writeFileSync(config, JSON.stringify({ limits: { notifyPerSecond: 1_000_000 }, ...extra }))
    const shared = [] // PostgreSQL and Redis
    const servers = [] // the nodes
    const stopAll = async () => {
      await Promise.all(servers.map((s) => s.stop()))
      await Promise.all(shared.map((s) => s.stop()))
    }
    let ports
    try {
      let db = `sqlite:${join(dir, "pb.db")}`
      const bus = []
      if (store === "postgres") {
        const pg = await startPostgres({ core: SERVER_CORE })
        shared.push({ ...pg, role: "PostgreSQL" })
        db = pg.url
      }
      if (nodes > 1) {
        const redis = await startRedis({ core: SERVER_CORE })
        shared.push({ ...redis, role: "Redis" })
        bus.push("--redis", redis.url)
      }
      const node = async () => {
        const { child, port } = await startNode(join(root, "apps/server/dist/cli.js"), {
          args: ["serve", "--host", "127.0.0.1", "--port", "0", "--db", db, ...bus, "--config", config],
          vars: { PUSHBACK_ADMIN_TOKEN: ADMIN }
        })
        servers.push({ pid: child.pid, role: "node", stop: () => stop(child) })
        return port
      }
      // the first node migrates the database; the others start on it together
      const first = await node()
      ports = [first, ...(await Promise.all(Array.from({ length: nodes - 1 }, node)))]
    } catch (e) {
      await stopAll()
      throw e
    }
    const turns =
      (n = 0) =>
      () =>
        ports[n++ % ports.length]
    const connectTo = turns()
    const notifyTo = turns()
    const api = (path, token, body, port = ports[0]) => ({
      port,
      path,
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${token}` }
    })
    const created = await http.json(ports[0], api("/v1/apps", ADMIN, { name: "bench-peers" }))
    const secret = created.secret
    return {
      secret,
      api: (path, body) => api(path, secret, body),
      pids: [...servers, ...shared].map((s) => s.pid),
      procs: [...servers, ...shared].map(({ pid, role }) => ({ pid, role })),
      async addUsers(users) {
        for (let i = 0; i < users.length; i += 5000) {
          await http.json(ports[0], api("/v1/users", secret, { users: users.slice(i, i + 5000) }))
        }
      },
      async connect(user, onPayload) {
        const port = connectTo()
        const { token } = await http.json(port, api("/v1/tokens", secret, { user, ttlSeconds: 3600 }, port))
        return openWs(
          `ws://127.0.0.1:${port}/v1/ws?token=${token}`,
          onPayload,
          (f) => (f.type === "notification" ? f.notification.content : undefined),
          (f) => f.type === "welcome"
        )
      },
      unicast: (user, content) => api("/v1/notify", secret, { users: [user], content }, notifyTo()),
      broadcast: (content) => api("/v1/notify", secret, { content }, notifyTo()),
      stop: stopAll
    }
  }
})

/** The contenders, in the order they run. */
export const CONTENDERS = [
  pushback({ name: "pushback", label: "PushBack", store: "sqlite", nodes: 1 }),
  pushback({
    name: "pushbackPg",
    label: "PushBack (PostgreSQL, 1 node)",
    short: "PushBack PG ×1",
    store: "postgres",
    nodes: 1
  }),
  pushback({
    name: "pushback3",
    label: "PushBack ×3 (PostgreSQL + Redis)",
    short: "PushBack ×3",
    store: "postgres",
    nodes: 3
  }),
  {
    name: "socketio",
    label: "socket.io",
    async start() {
      const { child, port } = await startNode(
        fileURLToPath(new URL("./servers/socketio.mjs", import.meta.url)),
        {}
      )
      return {
        pids: [child.pid],
        port,
        addUsers: async () => {},
        connect: (user, onPayload) =>
          withTimeout(
            new Promise((done, fail) => {
              const socket = ioClient(`http://127.0.0.1:${port}`, {
                transports: ["websocket"],
                forceNew: true,
                reconnection: false,
                query: { user }
              })
              socket.on("m", onPayload)
              socket.once("connect", () => done({ close: () => socket.disconnect() }))
              socket.once("connect_error", fail)
            }),
            `socket.io ${user}`
          ),
        unicast: push,
        broadcast,
        stop: () => stop(child)
      }
    }
  },
  {
    name: "ws",
    label: "raw ws",
    async start() {
      const { child, port } = await startNode(fileURLToPath(new URL("./servers/ws.mjs", import.meta.url)), {})
      return {
        pids: [child.pid],
        port,
        addUsers: async () => {},
        connect: (user, onPayload) => openWs(`ws://127.0.0.1:${port}/?user=${user}`, onPayload, (f) => f),
        unicast: push,
        broadcast,
        stop: () => stop(child)
      }
    }
  },
  {
    name: "nchan",
    label: "nginx + nchan",
    async start(dir) {
      const { child, port } = await startNchan(dir, SERVER_CORE)
      return {
        pids: [child.pid],
        port,
        addUsers: async () => {},
        connect: (user, onPayload) => openWs(`ws://127.0.0.1:${port}/sub/${user}`, onPayload, (f) => f),
        unicast: (user, payload) => ({ path: `/pub/${user}`, body: JSON.stringify(payload) }),
        broadcast: (payload) => ({ path: "/pub/all", body: JSON.stringify(payload) }),
        stop: () => stop(child)
      }
    }
  }
]
