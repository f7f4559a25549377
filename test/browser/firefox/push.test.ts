/**
 * Web Push end to end in a real browser (PROTOCOL.md §14): Debian's Firefox ESR, headless, its
 * push server a loopback stand-in for Mozilla's autopush (autopush.ts). A page on its own
 * origin subscribes with `@pushback/browser/push` (the built entry point) and the server's
 * service worker (served on the page's origin, as behind a proxy); the user has no live
 * session, so a notify call with `push: {send: true}` goes out as a Web Push — encrypted by
 * the server, relayed by the stand-in, decrypted by Firefox — and the served worker shows it:
 * the page reads it back with `registration.getNotifications()` and reports to the test over
 * loopback; then it unsubscribes, here and on the server. Offline: nothing here reaches Mozilla
 * or anyone else.
 */
import { existsSync, readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { fileURLToPath } from "node:url"
import {
  createApp,
  eventually,
  request,
  startServer,
  type TestApp,
  type TestServer,
  userToken
} from "@pushback/testkit"
import { afterAll, beforeAll, expect, it } from "vitest"
import { startAutopush } from "./autopush.js"
import { FIREFOX, startFirefox } from "./firefox.js"

const PUSH_BUILD = fileURLToPath(new URL("../../../packages/browser/dist/push.js", import.meta.url))

/** What the page reports: its steps, and the notifications its worker shows. */
interface Report {
  readonly step: string
  readonly state?: string
  readonly error?: string
  readonly notifications?: ReadonlyArray<{
    title: string
    body: string
    tag: string
    data: Record<string, unknown>
  }>
}

const page = (server: string, token: string) => `<!doctype html>
<meta charset="utf-8"><title>push</title>
<script type="module">
import { createPush } from "/push.js"
const report = (r) => fetch("/report", { method: "POST", body: JSON.stringify(r) })
const push = createPush({ url: ${JSON.stringify(server)}, token: ${JSON.stringify(token)} })
try {
  await report({ step: "loaded", state: await push.state() })
  // Right after Firefox starts, its push service can leave the first subscribe pending: load
  // the page again then (the test waits for "subscribed").
  const stalled = new Promise((r) => setTimeout(() => r("stalled"), 5000))
  const state = await Promise.race([push.subscribe(), stalled])
  if (state === "stalled") {
    await report({ step: "stalled" })
    location.reload()
    await new Promise(() => {})
  }
  await report({ step: "subscribed", state })
  const reg = await navigator.serviceWorker.getRegistration()
  for (;;) {
    if ((await (await fetch("/command")).text()) === "unsubscribe") {
      await push.unsubscribe()
      await report({ step: "unsubscribed", state: await push.state() })
      break
    }
    const shown = await reg.getNotifications()
    await report({ step: "shown", notifications: shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })) })
    await new Promise((r) => setTimeout(r, 250))
  }
} catch (e) {
  await report({ step: "error", error: String(e && e.stack || e) })
}
</script>`

const reports: Array<Report> = []
/** What the page does next when it asks ("unsubscribe"). */
let command = ""
/** What the page's origin was asked for (for the messages when something fails). */
const requests: Array<string> = []
let autopush: Awaited<ReturnType<typeof startAutopush>>
let server: TestServer
let app: TestApp
let site: Server
let siteUrl = ""

beforeAll(async () => {
  if (!existsSync(FIREFOX))
    throw new Error(`${FIREFOX} is missing: node scripts/setup.mjs --test installs it`)
  autopush = await startAutopush()
  server = await startServer({
    env: { NODE_EXTRA_CA_CERTS: autopush.caFile },
    config: {
      push: {
        vapidSubject: "mailto:e2e@pushback.example.com",
        allowPrivate: true,
        allowedHosts: ["127.0.0.1"],
        pollMs: 200,
        retryMs: 200,
        retryMaxMs: 1000
      }
    }
  })
  app = await createApp(server, "firefox-push")
  const token = await userToken(server, app, "fox")
  // The page's origin: the page, the push entry point's build, and the server's worker.
  site = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]
    requests.push(`${req.method} ${req.url}`)
    if (path === "/command") return res.writeHead(200).end(command)
    if (req.method === "POST" && path === "/report") {
      const chunks: Array<Buffer> = []
      for await (const c of req) chunks.push(c as Buffer)
      reports.push(JSON.parse(Buffer.concat(chunks).toString()) as Report)
      return res.writeHead(204).end()
    }
    if (path === "/push.js") {
      return res.writeHead(200, { "content-type": "text/javascript" }).end(readFileSync(PUSH_BUILD))
    }
    if (path === "/pushback-sw.js") {
      const worker = await fetch(`${server.url}/pushback-sw.js`)
      return res.writeHead(200, { "content-type": "text/javascript" }).end(await worker.text())
    }
    res.writeHead(200, { "content-type": "text/html" }).end(page(server.url, token))
  })
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve))
  siteUrl = `http://127.0.0.1:${(site.address() as { port: number }).port}/`
})

afterAll(async () => {
  site?.close()
  await server?.dispose()
  await autopush?.stop()
})

it("a page subscribes, and a notify for its offline user is shown by the served service worker", async () => {
  const firefox = startFirefox(siteUrl, autopush.wsUrl)
  const why = () =>
    `requests ${requests.join(", ")}\nreports ${JSON.stringify(reports.filter((r) => r.step !== "shown"))}\nautopush ${autopush.log.join("; ")}\n${firefox.output().slice(-2000)}`
  try {
    await eventually(() => reports.some((r) => r.step === "subscribed" || r.step === "error"), {
      timeout: 30_000,
      what: "the page to subscribe"
    }).catch((e) => {
      throw new Error(`${(e as Error).message}\n${why()}`)
    })
    expect(
      reports.find((r) => r.step === "error"),
      why()
    ).toBeUndefined()
    expect(reports.find((r) => r.step === "subscribed")?.state).toBe("subscribed")
    const subs = await request<{ subscriptions: Array<{ endpoint: string }> }>(
      server.url,
      "GET",
      "/v1/users/fox/push-subscriptions",
      { token: app.secret }
    )
    expect(subs.body.subscriptions).toHaveLength(1)

    const shownTitles = () => reports.flatMap((r) => r.notifications ?? []).map((n) => n.title)
    const notify = async (title: string) => {
      const res = await request<{ online: number; pushes: number }>(server.url, "POST", "/v1/notify", {
        token: app.secret,
        body: { users: ["fox"], title, content: "from the server", url: "/inbox", push: { send: true } }
      })
      expect(res.body).toMatchObject({ online: 0, pushes: 1 })
    }
    // The first push after the browser starts can stall: send another if it is not shown soon.
    await notify("Hello fox")
    const shown = () => shownTitles().includes("Hello fox")
    await eventually(shown, { timeout: 6000 }).catch(async () => {
      await notify("Hello fox")
      await eventually(shown, { timeout: 15_000, what: "the notification to be shown" }).catch((e) => {
        throw new Error(`${(e as Error).message}\n${why()}`)
      })
    })
    const n = reports.flatMap((r) => r.notifications ?? []).find((x) => x.title === "Hello fox")!
    expect(n.body).toBe("from the server")
    expect(n.data["url"]).toBe("/inbox")
    expect(String(n.data["markToken"])).toContain(String(n.data["id"]))
    // Unsubscribing ends it here and on the server.
    command = "unsubscribe"
    await eventually(() => reports.some((r) => r.step === "unsubscribed"), {
      timeout: 10_000,
      what: "unsubscribe"
    })
    expect(reports.find((r) => r.step === "unsubscribed")?.state).toBe("default")
    const left = await request<{ subscriptions: Array<unknown> }>(
      server.url,
      "GET",
      "/v1/users/fox/push-subscriptions",
      {
        token: app.secret
      }
    )
    expect(left.body.subscriptions).toEqual([])
  } finally {
    await firefox.stop()
  }
  // Each wait above is bounded; together they may pass the project's 60 s on a slow machine.
}, 90_000)
