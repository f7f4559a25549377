/**
 * `@pushback/browser` in a real browser (headless Chromium) against the real server, from a
 * page on another origin that loads the script-tag build: each transport (WebSocket removed
 * from the page to force SSE; WebSocket and EventSource removed to force long-poll), the
 * seed-style global calls, a token refreshed through `getToken` after 4009, a server restart
 * in the middle of a stream with nothing lost or repeated, and two tabs sharing one
 * connection that survives the leader tab's close.
 *
 * Every wait is for a condition (`waitForFunction`, a polled `until`), never a fixed sleep.
 */
import { existsSync } from "node:fs"
import { eventually, request, type TestApp, userToken, useServer } from "@pushback/testkit"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { launchChromium } from "./chromium.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { commandOk } from "../../scripts/vitest/command.mjs"
import { GLOBAL_BUILD, type Site, startSite } from "./fixtures-sdk/site.js"

type Transport = "websocket" | "sse" | "poll"
interface Log {
  received: Array<string>
  disconnects: Array<number>
  states: Array<string>
  errors: Array<string>
}
interface Snap {
  texts: Array<string>
  ids: Array<string>
  unseen: number
  unread: number
  state: string
  hasMore: boolean
  transport: Transport | undefined
}
type PageWindow = {
  log: Log
  start: (options?: Record<string, unknown>) => void
  snapshot: () => Snap
  PushBack: Record<string, unknown> & { markRead: (ids: Array<string>) => Promise<number> }
}

const server = useServer()
let app: TestApp
let site: Site
let browser: Browser
let tokenTtl: number | undefined
const contexts: Array<BrowserContext> = []

beforeAll(async () => {
  if (!existsSync(GLOBAL_BUILD)) {
    await commandOk("pnpm", ["--filter", "@pushback/browser", "build"])
  }
  app = await server.newApp("browser-sdk")
  site = await startSite((user) => server.userToken(app, user, { ttlSeconds: tokenTtl }))
  browser = await launchChromium()
})

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {})
  await browser?.close()
  await site?.close()
})

/** A fresh browser profile; `without` removes platform globals before any page script runs. */
const newContext = async (without: ReadonlyArray<"WebSocket" | "EventSource"> = []) => {
  const context = await browser.newContext()
  contexts.push(context)
  if (without.length > 0) {
    await context.addInitScript((names) => {
      for (const name of names) Reflect.deleteProperty(window, name)
    }, without)
  }
  return context
}

/** Opens the fixture page for `user`; `start` runs the seed-style init unless false. */
const openPage = async (
  context: BrowserContext,
  user: string,
  options: { getToken?: boolean; start?: boolean } = {}
): Promise<Page> => {
  const page = await context.newPage()
  const token = await userToken(server, app, user)
  const query = new URLSearchParams({ api: server.url, token, user, getToken: options.getToken ? "1" : "0" })
  await page.goto(`${site.origin}/?${query}`)
  if (options.start !== false) await page.evaluate(() => (window as unknown as PageWindow).start())
  return page
}

const log = (page: Page) => page.evaluate(() => (window as unknown as PageWindow).log)
const snapshot = (page: Page) => page.evaluate(() => (window as unknown as PageWindow).snapshot())
const waitConnected = (page: Page) =>
  page.waitForFunction(() => (window as unknown as PageWindow).snapshot().state === "connected", undefined, {
    timeout: 20_000
  })
const waitReceived = (page: Page, count: number) =>
  page.waitForFunction((n) => (window as unknown as PageWindow).log.received.length >= n, count, {
    timeout: 30_000
  })

/** Notifies `user` with `{text}`; retried with the same idempotency key until the server answers. */
const notify = async (user: string, text: string): Promise<void> => {
  for (;;) {
    try {
      const res = await request(server.url, "POST", "/v1/notify", {
        token: app.secret,
        body: { users: [user], title: "Test", content: { text }, idempotencyKey: `${user}:${text}` }
      })
      if (res.status === 202) return
    } catch {
      // The server is restarting: try again.
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const sessions = async (user: string): Promise<number> => {
  const res = await request<{ sessions: number }>(server.url, "GET", `/v1/users/${user}`, {
    token: app.secret
  })
  return res.body.sessions
}

const CASES: ReadonlyArray<[Transport, ReadonlyArray<"WebSocket" | "EventSource">]> = [
  ["websocket", []],
  ["sse", ["WebSocket"]],
  ["poll", ["WebSocket", "EventSource"]]
]

describe.each(CASES)("over %s", (transport, without) => {
  it("delivers notifications once, keeps the store exact, and marks read", async () => {
    const user = `t-${transport}`
    await notify(user, "before") // loaded over REST, not a stream entry for this page
    const page = await openPage(await newContext(without), user)
    await waitConnected(page)
    await page.waitForFunction(() => (window as unknown as PageWindow).snapshot().texts.length === 1)
    expect((await snapshot(page)).transport).toBe(transport)

    await notify(user, "one")
    await notify(user, "two")
    await waitReceived(page, 2)
    let snap = await snapshot(page)
    expect(snap.texts).toEqual(["two", "one", "before"])
    expect([snap.unseen, snap.unread]).toEqual([3, 3])

    // A read from the page (WebSocket action or REST) comes back as a stream entry.
    const updated = await page.evaluate(
      (id) => (window as unknown as PageWindow).PushBack.markRead([id]),
      snap.ids[0]!
    )
    expect(updated).toBe(1)
    await page.waitForFunction(() => (window as unknown as PageWindow).snapshot().unread === 2)
    snap = await snapshot(page)
    expect(snap.unseen).toBe(2)

    // A read in another session (the backend's view of the same user) shows here too.
    const other = await userToken(server, app, user)
    const patch = await request(server.url, "PATCH", "/v1/me/notifications", {
      token: other,
      body: { ids: [snap.ids[1]], read: true }
    })
    expect(patch.status).toBe(200)
    await page.waitForFunction(() => (window as unknown as PageWindow).snapshot().unread === 1)

    const final = await log(page)
    expect(final.received).toEqual(["one", "two"])
    expect(final.disconnects).toEqual([])
    expect(final.errors).toEqual([])
  })
})

describe("the script-tag global", () => {
  it("is the PushBack object itself and works with the seed's two calls", async () => {
    const user = "seed"
    const page = await openPage(await newContext(), user, { start: false })
    const shape = await page.evaluate(() => {
      const g = (window as unknown as PageWindow).PushBack
      return { init: typeof g["init"], subscribe: typeof g["subscribe"], nested: "PushBack" in g }
    })
    expect(shape).toEqual({ init: "function", subscribe: "function", nested: false })
    // Exactly the seed's code.
    await page.evaluate(
      ({ url, token }) => {
        const w = window as unknown as {
          PushBack: {
            init: (o: { url: string; token: string }) => void
            subscribe: (a: (n: { content: { text: string } }) => void, b: () => void) => void
          }
          seen: Array<string>
        }
        w.seen = []
        w.PushBack.init({ url, token })
        w.PushBack.subscribe(
          (n) => w.seen.push(n.content.text),
          () => {}
        )
      },
      { url: server.url, token: await userToken(server, app, user) }
    )
    await waitConnected(page)
    await notify(user, "hello")
    await page.waitForFunction(() => (window as unknown as { seen: Array<string> }).seen.length === 1)
    expect(await page.evaluate(() => (window as unknown as { seen: Array<string> }).seen)).toEqual(["hello"])
  })

  it("fetches a fresh token with getToken when the server closes with 4009", async () => {
    const user = "expiring"
    tokenTtl = 2
    try {
      const page = await openPage(await newContext(), user, { getToken: true })
      await waitConnected(page)
      await page.waitForFunction(
        () => (window as unknown as PageWindow).log.disconnects.includes(4009),
        undefined,
        {
          timeout: 15_000
        }
      )
      await waitConnected(page)
      await notify(user, "after refresh")
      await waitReceived(page, 1)
      expect((await log(page)).received).toEqual(["after refresh"])
    } finally {
      tokenTtl = undefined
    }
  })
})

describe("a server restart in the middle of a stream", () => {
  it.each(CASES)("over %s loses and repeats nothing", async (transport, without) => {
    const user = `restart-${transport}`
    const page = await openPage(await newContext(without), user)
    await waitConnected(page)
    expect((await snapshot(page)).transport).toBe(transport)
    const texts = Array.from({ length: 12 }, (_, i) => `m${i + 1}`)
    for (const text of texts.slice(0, 4)) await notify(user, text)
    // Restart while notifications keep coming: those sent while it is down are retried.
    const restarted = server.restart()
    for (const text of texts.slice(4, 8)) await notify(user, text)
    await restarted
    for (const text of texts.slice(8)) await notify(user, text)
    await waitReceived(page, texts.length)
    const final = await log(page)
    expect(final.received).toEqual(texts)
    expect(final.disconnects.length).toBeGreaterThanOrEqual(1)
    const snap = await snapshot(page)
    expect(snap.unseen).toBe(texts.length)
    expect(new Set(snap.ids).size).toBe(texts.length)
  })
})

describe("tabs of one browser", () => {
  it("share one connection, and another tab takes over when the leader closes", async () => {
    const user = "tabs"
    await request(server.url, "POST", "/v1/users", { token: app.secret, body: { users: [user] } })
    const context = await newContext()
    const first = await openPage(context, user)
    await waitConnected(first)
    const second = await openPage(context, user)
    await waitConnected(second)
    expect(await sessions(user)).toBe(1)

    await notify(user, "a")
    await waitReceived(first, 1)
    await waitReceived(second, 1)

    await first.close()
    await notify(user, "b")
    await waitReceived(second, 2)
    await waitConnected(second)
    await eventually(async () => (await sessions(user)) === 1, {
      what: "one session after the takeover",
      timeout: 20_000
    })
    await notify(user, "c")
    await waitReceived(second, 3)
    const final = await log(second)
    expect(final.received).toEqual(["a", "b", "c"])
    expect(await sessions(user)).toBe(1)
    expect((await snapshot(second)).unseen).toBe(3)
  })
})
