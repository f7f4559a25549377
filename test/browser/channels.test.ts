/**
 * Channels in a real browser (PROTOCOL.md §12): `@pushback/browser/channels` in headless Chromium
 * against the real server, through the live-document example (examples/live-document: its backend
 * as its own process, configured with an app secret, on a free port; its page imports the SDK's
 * ESM build). Two users' pages see each other in presence (a `join` each way, with the `info` of
 * their channel tokens) and each receives what the other types; a second tab of the same user
 * adds no member and closing it removes none; closing the user's last tab is a `leave`; a page
 * opened late gets the document from the channel's history. And the SDK alone (imported from the
 * example's `/sdk/`) over SSE and over long-poll (WebSocket, then EventSource, removed from the
 * page): subscribed through `channels=`, a backend publish received, its own publish over REST.
 *
 * Every wait is for a condition (a selector or a polled value), never a fixed sleep.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { claimsFor, request, signJwt, type TestApp, useServer } from "@pushback/testkit"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchChromium } from "./chromium.js"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..")
const EXAMPLE = resolve(root, "examples/live-document/src/server.js")

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

describe("channels in Chromium (the live-document example)", () => {
  const server = useServer()
  let app: TestApp
  let example: ChildProcess | undefined
  let origin: string
  let browser: Browser
  const errors: Array<string> = []

  /** A tab of its own browser context, on document `doc` as `user`, once subscribed. */
  const open = async (user: string, doc: string): Promise<Page> => {
    const context = await browser.newContext()
    const page = await context.newPage()
    page.on("pageerror", (e) => errors.push(`${user}: ${String(e)}`))
    await page.goto(`${origin}/?user=${user}&doc=${doc}`)
    await page.waitForSelector("#state[data-state=connected]", { timeout: 15_000 })
    await page.waitForFunction(
      () => (window as unknown as { live: { channel: { live: boolean } } }).live?.channel.live
    )
    return page
  }
  const members = (page: Page) =>
    page.$$eval("#members li", (items) =>
      items.map((li) => `${li.getAttribute("data-user")}:${li.textContent}`)
    )
  const until = (page: Page, want: Array<string>) =>
    page.waitForFunction(
      (w) =>
        JSON.stringify(
          [...document.querySelectorAll("#members li")].map((li) => li.getAttribute("data-user")).sort()
        ) === JSON.stringify(w),
      [...want].sort()
    )

  beforeAll(async () => {
    app = await server.newApp("channels-e2e")
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

  it("two users see each other join and receive each other's edits", async () => {
    const ana = await open("ana", "d1")
    const bo = await open("bo", "d1")
    // bo found ana present; ana was told bo joined. Names come from the channel tokens' info.
    await until(bo, ["ana", "bo"])
    await until(ana, ["ana", "bo"])
    expect(await members(ana)).toEqual(expect.arrayContaining(["ana:ana", "bo:bo"]))
    await ana.waitForFunction(() => document.querySelector("#log")?.textContent === "bo joined")

    await ana.fill("#doc", "hello from ana")
    await bo.waitForFunction(
      () => (document.querySelector("#doc") as HTMLTextAreaElement).value === "hello from ana"
    )
    await bo.fill("#doc", "hello from ana, and bo")
    await ana.waitForFunction(
      () => (document.querySelector("#doc") as HTMLTextAreaElement).value === "hello from ana, and bo"
    )
    expect(await ana.textContent("#log")).toBe("edit 2 by bo")

    // A page opened now gets the document from history.
    const late = await open("cy", "d1")
    await late.waitForFunction(
      () => (document.querySelector("#doc") as HTMLTextAreaElement).value === "hello from ana, and bo"
    )
    await until(ana, ["ana", "bo", "cy"])
    await late.context().close()
    await until(ana, ["ana", "bo"])
    await ana.context().close()
    await bo.context().close()
    expect(errors).toEqual([])
  })

  it("a user with two tabs is one member: closing one leaves them present, closing both is a leave", async () => {
    const bo = await open("bo", "d2")
    const ana1 = await open("ana", "d2")
    const ana2 = await open("ana", "d2")
    await until(bo, ["ana", "bo"])
    const presence = () =>
      bo.evaluate(() =>
        (
          window as unknown as {
            live: { channel: { presence(): Promise<Array<{ id: string; sessions: number }>> } }
          }
        ).live.channel.presence()
      )
    await expect.poll(async () => (await presence()).find((m) => m.id === "ana")?.sessions).toBe(2)
    const joins = await bo.evaluate(() => document.querySelector("#log")?.textContent)
    expect(joins).toBe("ana joined")

    await ana2.context().close()
    await expect.poll(async () => (await presence()).find((m) => m.id === "ana")?.sessions).toBe(1)
    expect(await bo.textContent("#log")).toBe("ana joined") // no leave for one tab of two
    expect(await members(bo)).toEqual(expect.arrayContaining(["ana:ana"]))

    await ana1.context().close()
    await until(bo, ["bo"])
    expect(await bo.textContent("#log")).toBe("ana left")
    await bo.context().close()
    expect(errors).toEqual([])
  })

  for (const transport of ["sse", "poll"] as const) {
    it(`over ${transport}: subscribes on connect, receives a backend publish, publishes over REST`, async () => {
      const context = await browser.newContext()
      await context.addInitScript(
        (names) => {
          for (const name of names) Reflect.deleteProperty(window, name)
        },
        transport === "sse" ? ["WebSocket"] : ["WebSocket", "EventSource"]
      )
      const page = await context.newPage()
      page.on("pageerror", (e) => errors.push(`${transport}: ${String(e)}`))
      await page.goto(origin)
      const channel = `doc:${transport}`
      // A user token whose `channels` claim opens doc:* (no channel token travels on SSE or long-poll).
      const token = signJwt({ ...claimsFor(app.id, "dee", 600), channels: ["doc:*"] }, app.secret)
      // The SDK's ESM build as the example serves it (a string: Vitest would rewrite an import() in a function).
      await page.evaluate(`import("/sdk/channels.js").then((m) => { window.sdk = m })`)
      await page.evaluate(
        ({ url, token, channel }) => {
          const w = window as unknown as Record<string, unknown>
          const { createChannelClient } = w["sdk"] as {
            createChannelClient: (o: object) => {
              on(type: "state", listener: (e: { state: string; transport?: string }) => void): void
              channel(name: string): { subscribe(listener: (p: { data: unknown }) => void): void }
            }
          }
          const got: Array<unknown> = []
          const states: Array<string> = []
          const client = createChannelClient({ url, token })
          client.on("state", (e: { state: string; transport?: string }) =>
            states.push(`${e.state}:${e.transport}`)
          )
          const ch = client.channel(channel)
          ch.subscribe((p: { data: unknown }) => got.push(p.data))
          Object.assign(w, { got, states, ch })
        },
        { url: server.url, token, channel }
      )
      await page.waitForFunction(() => (window as unknown as { ch: { live: boolean } }).ch.live)
      expect(await page.evaluate(() => (window as unknown as { states: Array<string> }).states)).toContain(
        `connected:${transport}`
      )
      const presence = await request<{ users: Array<{ id: string }> }>(
        server.url,
        "GET",
        `/v1/channels/${channel}/presence`,
        {
          token: app.secret
        }
      )
      expect(presence.body.users.map((u) => u.id)).toEqual(["dee"])

      const sent = await request(server.url, "POST", `/v1/channels/${channel}/publish`, {
        token: app.secret,
        body: { data: { from: "backend" } }
      })
      expect(sent.status).toBe(200)
      await page.waitForFunction(() => (window as unknown as { got: Array<unknown> }).got.length === 1)
      const mine = await page.evaluate(() =>
        (window as unknown as { ch: { publish(d: unknown): Promise<{ offset: number }> } }).ch.publish({
          from: "dee"
        })
      )
      expect(mine.offset).toBe(2)
      const history = await request<{ publications: Array<{ data: unknown; user?: string }> }>(
        server.url,
        "GET",
        `/v1/channels/${channel}/history`,
        { token: app.secret }
      )
      expect(history.body.publications.map((p) => [p.data, p.user])).toEqual([
        [{ from: "backend" }, undefined],
        [{ from: "dee" }, "dee"]
      ])
      // Published over REST (no session to leave out), its own publication comes back too, in order.
      await page.waitForFunction(() => (window as unknown as { got: Array<unknown> }).got.length === 2)
      expect(await page.evaluate(() => (window as unknown as { got: Array<unknown> }).got)).toEqual([
        { from: "backend" },
        { from: "dee" }
      ])
      await context.close()
      expect(errors).toEqual([])
    })
  }
})
