/**
 * The nginx site of docs/deploy.md (deploy/nginx/pushback.conf), run by Debian's nginx in front
 * of a real node: the REST API and the three transports (WebSocket, SSE, long-poll) through it,
 * over TLS. The file is used as it is, changed only where a test must: its ports (free ones on
 * loopback), the node's address, and a certificate made here (self-signed, for 127.0.0.1); testkit's
 * startNginx wraps it in a main config of its own.
 */
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { connect as tlsConnect } from "node:tls"
import { fileURLToPath } from "node:url"
import {
  connectWs,
  eventually,
  freePort,
  nginxWorkDir,
  notify,
  request,
  resultOf,
  startNginx,
  type TestApp,
  type TestNginx,
  type TestServer,
  userToken,
  useServer
} from "@pushback/testkit"
import { Agent, setGlobalDispatcher } from "undici"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { commandOk } from "../../../../scripts/vitest/command.mjs"
import { connectSse, transport } from "../transports/clients.js"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..")
const SITE = join(root, "deploy/nginx/pushback.conf")

/**
 * The site file with only what a test must change. Each replacement must match exactly as many
 * times as expected, so the file cannot drift away from what is tested without this failing.
 */
const adaptSite = (
  site: string,
  to: { httpPort: number; tlsPort: number; nodePort: number; cert: string; key: string }
): string => {
  const replacements: Array<[RegExp, string, number]> = [
    [/^(\s*listen\s+)80;/gm, `$1127.0.0.1:${to.httpPort};`, 1],
    [/^(\s*listen\s+)\[::\]:80;/gm, `$1[::1]:${to.httpPort};`, 1],
    [/^(\s*listen\s+)443 (ssl http2);/gm, `$1127.0.0.1:${to.tlsPort} $2;`, 1],
    [/^(\s*listen\s+)\[::\]:443 (ssl http2);/gm, `$1[::1]:${to.tlsPort} $2;`, 1],
    [/^(\s*server\s+)127\.0\.0\.1:8080;/gm, `$1127.0.0.1:${to.nodePort};`, 1],
    [/^(\s*ssl_certificate\s+)\S+;/gm, `$1${to.cert};`, 1],
    [/^(\s*ssl_certificate_key\s+)\S+;/gm, `$1${to.key};`, 1]
  ]
  let adapted = site
  for (const [pattern, replacement, times] of replacements) {
    const found = site.match(pattern)?.length ?? 0
    if (found !== times)
      throw new Error(`the site file has ${found} lines matching ${pattern}, expected ${times}`)
    adapted = adapted.replace(pattern, replacement)
  }
  return adapted
}

const node = useServer()
let app: TestApp
let nginx: TestNginx
let cert: string
let proxy: { url: string; wsUrl: string; httpUrl: string; tlsPort: number }

beforeAll(async () => {
  const work = nginxWorkDir()
  const certFile = join(work, "cert.pem")
  const keyFile = join(work, "key.pem")
  await commandOk("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-keyout",
    keyFile,
    "-out",
    certFile
  ])
  cert = readFileSync(certFile, "utf8")
  // fetch (REST, SSE, long-poll) trusts this certificate, and only this one
  setGlobalDispatcher(new Agent({ connect: { ca: cert } }))

  app = await node.newApp("through-nginx")
  const [httpPort, tlsPort] = [await freePort(), await freePort()]
  const site = adaptSite(readFileSync(SITE, "utf8"), {
    httpPort,
    tlsPort,
    nodePort: node.port,
    cert: certFile,
    key: keyFile
  })
  nginx = startNginx(site, work)
  proxy = {
    url: `https://127.0.0.1:${tlsPort}`,
    wsUrl: `wss://127.0.0.1:${tlsPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    tlsPort
  }
  await eventually(
    async () =>
      await fetch(`${proxy.url}/v1/status/ping`).then(
        (r) => r.ok,
        () => false
      ),
    { timeout: 10_000 }
  ).catch(() => {
    throw new Error(`nginx did not come up:\n${nginx.log()}`)
  })
}, 60_000)

afterAll(async () => {
  await nginx?.stop()
})

/** The node's view of a server, but at nginx's address: what the transport clients connect to. */
const viaNginx = (): TestServer => ({ ...node, url: proxy.url, wsUrl: proxy.wsUrl })

describe("TLS termination", () => {
  it("serves the node over TLS with the configured certificate", async () => {
    const authorized = await new Promise<boolean>((done, fail) => {
      const socket = tlsConnect({ host: "127.0.0.1", port: proxy.tlsPort, ca: cert }, () => {
        done(socket.authorized)
        socket.end()
      })
      socket.once("error", fail)
    })
    expect(authorized).toBe(true)
  })

  it("redirects plain HTTP to HTTPS", async () => {
    const res = await fetch(`${proxy.httpUrl}/v1/status/ping`, { redirect: "manual" })
    expect(res.status).toBe(301)
    expect(res.headers.get("location")).toBe("https://127.0.0.1/v1/status/ping")
  })
})

describe("the REST API through nginx", () => {
  it("answers as the node does: operator, backend, end user, errors", async () => {
    const apps = await request<{ apps: Array<{ id: string }> }>(proxy.url, "GET", "/v1/apps", {
      token: node.adminToken
    })
    expect(apps.status).toBe(200)
    expect(apps.body.apps.map((a) => a.id)).toContain(app.id)
    const sent = await notify(viaNginx(), app, { users: ["rest-user"], content: "via nginx" })
    expect(sent.recipients).toBe(1)
    const token = await userToken(viaNginx(), app, "rest-user")
    await notify(viaNginx(), app, { users: ["rest-user"], content: "second" })
    const list = await request<{ count: number; next: string | null }>(
      proxy.url,
      "GET",
      "/v1/me/notifications?limit=1",
      { token }
    )
    expect(list.status).toBe(200)
    expect(list.body.count).toBe(2)
    // links name the address the client used: scheme and port passed on by nginx
    expect(list.body.next).toBe(`${proxy.url}/v1/me/notifications?limit=1&offset=1`)
    // the node's own JSON errors come through, not nginx's pages
    const tooBig = await request(proxy.url, "POST", "/v1/notify", {
      token: app.secret,
      body: { users: ["rest-user"], content: "x".repeat(300 * 1024) }
    })
    expect(tooBig.status).toBe(413)
    expect(tooBig.body).toMatchObject({ error: { code: "payload_too_large" } })
    const wrongMethod = await request(proxy.url, "PUT", "/v1/notify", { token: app.secret })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get("allow")).toBe("POST")
  })
})

describe("the three transports through nginx", () => {
  it("WebSocket: upgrade, welcome, a live notification, an action answered", async () => {
    const token = await userToken(viaNginx(), app, "ws-user")
    const ws = await connectWs(`${proxy.wsUrl}/v1/ws?token=${token}`, { ca: cert })
    try {
      expect(await ws.next()).toMatchObject({ type: "welcome", user: "ws-user" })
      await notify(viaNginx(), app, { users: ["ws-user"], content: "over wss" })
      const entry = await ws.next((f) => f.type === "notification")
      expect(entry).toMatchObject({ seq: 1, notification: { content: "over wss" } })
      ws.send({ type: "page", ref: "p1" })
      const reply = await ws.next((f) => f.type === "reply")
      expect(reply).toMatchObject({ ref: "p1", ok: true })
      // the list link in a page names the public address too
      expect((resultOf(reply) as { next: unknown }).next).toBeNull()
    } finally {
      await ws.close()
    }
  })

  it("SSE: an event stream, each frame as soon as it is written", async () => {
    const token = await userToken(viaNginx(), app, "sse-user")
    const sse = await connectSse(`${proxy.url}/v1/sse?token=${token}`)
    try {
      expect(await sse.next()).toMatchObject({ type: "welcome", user: "sse-user" })
      for (let i = 1; i <= 3; i++) {
        await notify(viaNginx(), app, { users: ["sse-user"], content: `sse ${i}` })
        // unbuffered: each arrives before the next is sent
        expect(await sse.next((f) => f.type === "notification", 3000)).toMatchObject({ seq: i })
      }
      expect(sse.ids).toEqual(["0", "1", "2", "3"])
    } finally {
      await sse.close()
    }
  })

  it("long-polling: a held poll is answered as soon as an entry exists", async () => {
    const token = await userToken(viaNginx(), app, "poll-user")
    const poll = await transport("poll").connect(viaNginx(), token)
    try {
      expect(await poll.next()).toMatchObject({ type: "welcome", user: "poll-user" })
      await new Promise((r) => setTimeout(r, 300)) // the next poll is now being held
      const sentAt = Date.now()
      await notify(viaNginx(), app, { users: ["poll-user"], content: "polled" })
      expect(await poll.next((f) => f.type === "notification", 5000)).toMatchObject({
        seq: 1,
        notification: { content: "polled" }
      })
      expect(Date.now() - sentAt).toBeLessThan(2000)
    } finally {
      await poll.close()
    }
  })
})

describe("the site's timeouts", () => {
  it("outlast what the node may hold a connection silent: 60 s polls, 25 s heartbeats, 60 s dead peers", () => {
    const site = readFileSync(SITE, "utf8")
    for (const path of ["/v1/ws", "/v1/sse", "/v1/poll"]) {
      const block = new RegExp(`location = ${path.replace(/\//g, "\\/")} \\{([^}]*)\\}`).exec(site)?.[1] ?? ""
      const seconds = Number(/proxy_read_timeout (\d+)s;/.exec(block)?.[1])
      expect(seconds, path).toBeGreaterThan(60)
      if (path !== "/v1/ws") expect(block, path).toContain("proxy_buffering off;")
    }
  })
})
