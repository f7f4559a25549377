/**
 * The React chat example in a real browser (headless Chromium) against a real server, as its
 * README tells people to use it: two users, ana and bo, in two windows (a browser context each).
 * The example is built with Vite into a temp dir and served, with the two backend routes it
 * expects (`/api/session`, `/api/conversations`), from a node:http server on another origin.
 * Messages cross between the windows, the unread badges follow, "typing…" shows while the other
 * types and clears with their message, and "Seen by" appears once the other has read. Screenshots
 * of both windows are saved to test-results/react-chat-*.png.
 */
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer, type IncomingMessage, type Server } from "node:http"
import { createRequire } from "node:module"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { dirname, extname, join, normalize, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { request, type TestApp, userToken, useServer } from "@pushback/testkit"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchChromium } from "./chromium.js"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")
const example = join(root, "examples/react-chat")
const results = join(root, "test-results")

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css"
}

/** Builds the example with its own Vite into `outDir`. */
const buildExample = async (outDir: string) => {
  const vite = join(
    dirname(createRequire(join(example, "package.json")).resolve("vite/package.json")),
    "bin/vite.js"
  )
  await promisify(execFile)(
    process.execPath,
    [vite, "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "error"],
    { cwd: example }
  )
}

const readJson = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  let text = ""
  for await (const chunk of req) text += String(chunk)
  return JSON.parse(text || "{}") as Record<string, unknown>
}

describe("the React chat example in Chromium, two users in two windows", () => {
  const server = useServer()
  let app: TestApp
  let dist: string
  let site: Server
  let origin: string
  let browser: Browser
  const errors: Array<string> = []

  /** As the example's backend does with @pushback/node: a conversation made by the app. */
  const backend = (method: string, path: string, body?: unknown) =>
    request(server.url, method, path, { token: app.secret, ...(body === undefined ? {} : { body }) })

  /**
   * A window of its own (a browser context) signed in as `user`, or a tab in `context`;
   * `without` removes platform globals first (no WebSocket: the client goes over SSE).
   */
  const open = async (
    user: string,
    { context, without = [] }: { context?: BrowserContext; without?: ReadonlyArray<string> } = {}
  ): Promise<Page> => {
    const ctx = context ?? (await browser.newContext({ viewport: { width: 820, height: 560 } }))
    if (without.length > 0)
      await ctx.addInitScript((names) => {
        for (const name of names) Reflect.deleteProperty(window, name)
      }, without)
    const page = await ctx.newPage()
    page.on("pageerror", (e) => errors.push(`${user}: ${String(e)}`))
    await page.goto(`${origin}/?user=${user}`)
    await page.waitForSelector("[data-testid=connection]:text('Live')", { timeout: 15_000 })
    return page
  }
  const row = (page: Page) => page.getByTestId("conversation-welcome")
  const rowBadge = (page: Page) => row(page).getByTestId("unread")
  const total = (page: Page) => page.getByTestId("total-unread")
  const messages = (page: Page) => page.getByTestId("message").locator(".text").allTextContents()

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), "pushback-react-chat-"))
    await buildExample(dist)
    app = await server.newApp("react-chat-e2e")
    expect((await backend("POST", "/v1/users", { users: ["ana", "bo"] })).status).toBe(200)
    expect(
      (
        await backend("POST", "/v1/conversations", {
          id: "welcome",
          members: ["ana", "bo"],
          title: "Welcome"
        })
      ).status
    ).toBe(201)
    expect((await backend("POST", "/v1/conversations/welcome/messages", { text: "Say hello!" })).status).toBe(
      201
    )
    // The example's backend: the session (server URL and a user token) and new conversations.
    site = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost")
      const user = url.searchParams.get("user") ?? "ana"
      if (url.pathname === "/api/session") {
        void userToken(server, app, user).then((token) =>
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ url: server.url, user, token }))
        )
        return
      }
      if (url.pathname === "/api/conversations") {
        void readJson(req).then(async (body) => {
          const members = [user, String(body["with"])].sort()
          const id = `dm:${members.join(":")}`
          await backend("POST", "/v1/conversations", { id, members })
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id }))
        })
        return
      }
      const file = normalize(join(dist, url.pathname === "/" ? "index.html" : url.pathname))
      try {
        if (!file.startsWith(dist)) throw new Error("outside")
        const body = readFileSync(file)
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body)
      } catch {
        res.writeHead(404).end()
      }
    })
    await new Promise<void>((done) => site.listen(0, "127.0.0.1", done))
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await new Promise((done) => site?.close(done))
    if (dist) rmSync(dist, { recursive: true, force: true })
  })

  it("exchange messages with unread badges, typing and read receipts", async () => {
    const ana = await open("ana")
    const bo = await open("bo")
    const poll = { timeout: 10_000 }
    // The system message is unread for both.
    for (const page of [ana, bo]) {
      await expect.poll(() => rowBadge(page).textContent(), poll).toBe("1")
      expect(await total(page).textContent()).toBe("1")
    }

    // Bo opens the conversation: what he sees is read, his badges clear.
    await row(bo).click()
    await expect.poll(() => messages(bo), poll).toEqual(["Say hello!"])
    await expect.poll(() => rowBadge(bo).count(), poll).toBe(0)
    await expect.poll(() => total(bo).isHidden(), poll).toBe(true)

    // Bo writes while Ana's window shows only the list: her badges count it.
    await bo.getByTestId("composer").fill("Hi Ana, lunch at noon?")
    await bo.getByTestId("composer").press("Enter")
    await expect.poll(() => messages(bo), poll).toEqual(["Say hello!", "Hi Ana, lunch at noon?"])
    await expect.poll(() => bo.getByTestId("receipt").textContent(), poll).toBe("Sent")
    await expect.poll(() => rowBadge(ana).textContent(), poll).toBe("2")
    expect(await total(ana).textContent()).toBe("2")
    expect(await row(ana).locator(".last").textContent()).toBe("Hi Ana, lunch at noon?")

    // Ana opens it: both messages, her badges clear, and Bo sees his message seen.
    await row(ana).click()
    await expect.poll(() => messages(ana), poll).toEqual(["Say hello!", "Hi Ana, lunch at noon?"])
    await expect.poll(() => total(ana).isHidden(), poll).toBe(true)
    await expect.poll(() => bo.getByTestId("receipt").textContent(), poll).toBe("Seen by ana")

    // Ana types: Bo sees it; her message ends it, and Bo (reading) sends the receipt back.
    await ana.getByTestId("composer").pressSequentially("Sure, see", { delay: 20 })
    await expect.poll(() => bo.getByTestId("typing").textContent(), poll).toBe("ana is typing…")
    await ana.getByTestId("composer").pressSequentially(" you there!", { delay: 20 })
    await ana.getByTestId("composer").press("Enter")
    await expect
      .poll(() => messages(bo), poll)
      .toEqual(["Say hello!", "Hi Ana, lunch at noon?", "Sure, see you there!"])
    await expect.poll(() => bo.getByTestId("typing").textContent(), poll).toBe("")
    await expect.poll(() => ana.getByTestId("receipt").textContent(), poll).toBe("Seen by bo")
    expect(await ana.getByTestId("message").last().getAttribute("data-status")).toBe("sent")
    expect(await total(bo).isHidden()).toBe(true)

    mkdirSync(results, { recursive: true })
    await ana.screenshot({ path: join(results, "react-chat-ana.png") })
    await bo.screenshot({ path: join(results, "react-chat-bo.png") })
    expect(errors).toEqual([])
  })

  it("two tabs of one user share one connection: the following tab shows, types and sends too", async () => {
    const poll = { timeout: 10_000 }
    const dee = await open("dee")
    const ana1 = await open("ana")
    const ana2 = await open("ana", { context: ana1.context() })
    await dee.getByLabel("Chat with").fill("ana")
    await dee.getByRole("button", { name: "Start" }).click()
    for (const tab of [ana1, ana2])
      await expect.poll(() => tab.getByTestId("conversation-dm:ana:dee").count(), poll).toBe(1)
    await ana1.getByTestId("conversation-dm:ana:dee").click()
    await ana2.getByTestId("conversation-dm:ana:dee").click()
    // The second tab follows the first one's connection: what reaches it was relayed.
    expect(
      await ana2.evaluate(() => navigator.locks.query().then((q) => (q.held ?? []).map((l) => l.name)))
    ).toHaveLength(1)

    await dee.getByTestId("composer").pressSequentially("Are you", { delay: 20 })
    for (const tab of [ana1, ana2])
      await expect.poll(() => tab.getByTestId("typing").textContent(), poll).toBe("dee is typing…")
    await dee.getByTestId("composer").press("Enter")
    for (const tab of [ana1, ana2]) await expect.poll(() => messages(tab), poll).toEqual(["Are you"])

    // The following tab types (over REST: it holds no WebSocket) and sends.
    await ana2.getByTestId("composer").pressSequentially("Yes", { delay: 20 })
    await expect.poll(() => dee.getByTestId("typing").textContent(), poll).toBe("ana is typing…")
    await ana2.getByTestId("composer").press("Enter")
    for (const page of [ana1, ana2, dee])
      await expect.poll(() => messages(page), poll).toEqual(["Are you", "Yes"])
    await expect.poll(() => ana1.getByTestId("receipt").textContent(), poll).toBe("Seen by dee")
    expect(errors).toEqual([])
  })

  it("over SSE (no WebSocket in the page): messages, typing both ways, read receipts", async () => {
    const poll = { timeout: 10_000 }
    const eve = await open("eve", { without: ["WebSocket"] })
    const fay = await open("fay")
    await fay.getByLabel("Chat with").fill("eve")
    await fay.getByRole("button", { name: "Start" }).click()
    await expect.poll(() => eve.getByTestId("conversation-dm:eve:fay").count(), poll).toBe(1)
    await eve.getByTestId("conversation-dm:eve:fay").click()
    await fay.getByTestId("composer").pressSequentially("Over SSE?", { delay: 20 })
    await expect.poll(() => eve.getByTestId("typing").textContent(), poll).toBe("fay is typing…")
    await fay.getByTestId("composer").press("Enter")
    await expect.poll(() => messages(eve), poll).toEqual(["Over SSE?"])
    await expect.poll(() => fay.getByTestId("receipt").textContent(), poll).toBe("Seen by eve")
    await eve.getByTestId("composer").pressSequentially("Yes", { delay: 20 })
    await expect.poll(() => fay.getByTestId("typing").textContent(), poll).toBe("eve is typing…")
    await eve.getByTestId("composer").press("Enter")
    await expect.poll(() => messages(fay), poll).toEqual(["Over SSE?", "Yes"])
    expect(errors).toEqual([])
  })

  it("starts a conversation with someone new; it appears live in their window", async () => {
    const ana = await open("ana")
    const cy = await open("cy")
    await ana.getByLabel("Chat with").fill("cy")
    await ana.getByRole("button", { name: "Start" }).click()
    await expect.poll(() => ana.locator(".thread h2").textContent(), { timeout: 10_000 }).toBe("cy")
    await expect.poll(() => cy.getByTestId("conversation-dm:ana:cy").count(), { timeout: 10_000 }).toBe(1)
    await ana.getByTestId("composer").fill("Welcome, Cy")
    await ana.getByTestId("composer").press("Enter")
    await expect
      .poll(() => cy.getByTestId("conversation-dm:ana:cy").getByTestId("unread").textContent(), {
        timeout: 10_000
      })
      .toBe("1")
    expect(errors).toEqual([])
  })
})
