/**
 * The express-backend example (`examples/express-backend`) end to end: the real PushBack
 * server, the example's backend as its own process (configured with an app secret, on a free
 * port), and its page in headless Chromium with the browser SDK's script-tag build. alice and
 * bob sign in in two browser contexts (two cookie jars); bob likes alice's post; alice's page
 * shows a toast, the notification in its list and the unseen badge; "Mark all seen" clears
 * the badge.
 *
 * Every wait is for a condition (a selector or a polled value), never a fixed sleep.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { type TestApp, useServer } from "@pushback/testkit"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchChromium } from "./chromium.js"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")
const EXAMPLE = resolve(root, "examples/express-backend/src/server.js")

/** Starts the example on a free port; resolves with its URL from the line it prints. */
const startExample = (env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> => {
  const child = spawn(process.execPath, [EXAMPLE], {
    env: { ...process.env, ...env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  return new Promise((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /on (http:\/\/\S+)/.exec(output)
      if (match) done({ child, url: match[1]! })
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    child.once("exit", (code) => fail(new Error(`the example exited with ${code}:\n${output}`)))
  })
}

describe("the express-backend example in Chromium", () => {
  const server = useServer()
  let app: TestApp
  let example: ChildProcess | undefined
  let origin: string
  let browser: Browser
  const errors: Array<string> = []

  /** A fresh browser context (its own cookies), signed in as `user` and connected to PushBack. */
  const signIn = async (user: string): Promise<Page> => {
    const context = await browser.newContext()
    const page = await context.newPage()
    page.on("pageerror", (e) => errors.push(`${user}: ${String(e)}`))
    await page.goto(origin)
    await page.fill("#login input[name=user]", user)
    await page.click("#login button[type=submit]")
    await page.waitForSelector("#state[data-state=connected]", { timeout: 15_000 })
    expect(await page.textContent("#me")).toBe(user)
    return page
  }

  beforeAll(async () => {
    app = await server.newApp("express-example-e2e")
    const started = await startExample({ PUSHBACK_URL: server.url, PUSHBACK_SECRET: app.secret })
    example = started.child
    origin = started.url
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    if (example && example.exitCode === null && example.signalCode === null) {
      const exited = new Promise((done) => example!.once("exit", done))
      example.kill("SIGTERM")
      await exited
    }
  })

  it("serves the SDK's script-tag build", async () => {
    const res = await fetch(`${origin}/pushback.js`)
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toContain("javascript")
    expect(await res.text()).toContain("PushBack")
  })

  it("shows bob's like on alice's page, with the badge, and clears the badge on Mark all seen", async () => {
    const alice = await signIn("alice")
    const bob = await signIn("bob")
    expect(await alice.isHidden("#unseen")).toBe(true)
    expect(await alice.locator("#inbox li").count()).toBe(0)

    await bob.fill("#like input[name=to]", "alice")
    await bob.click("#like button[type=submit]")

    // Live: a toast from subscribe(onNotification), and the list and badge from the store.
    await alice.waitForSelector(".toast:has-text('bob liked your post')", { timeout: 10_000 })
    await alice.waitForSelector("#inbox li.unseen:has-text('New like: bob liked your post')", {
      timeout: 10_000
    })
    await alice.waitForSelector("#unseen:visible", { timeout: 10_000 })
    expect(await alice.textContent("#unseen")).toBe("1")
    // Only alice was notified.
    expect(await bob.locator("#inbox li").count()).toBe(0)
    expect(await bob.isHidden("#unseen")).toBe(true)

    await alice.click("#mark-all-seen")
    await alice.waitForSelector("#unseen", { state: "hidden", timeout: 10_000 })
    await alice.waitForSelector("#inbox li:not(.unseen):has-text('bob liked your post')", { timeout: 10_000 })
    expect(await alice.textContent("#unseen")).toBe("0")
    expect(await alice.locator("#inbox li").count()).toBe(1)
    expect(errors).toEqual([])
  })
})
