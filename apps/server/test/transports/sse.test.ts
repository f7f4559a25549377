/**
 * What only Server-Sent Events have (PROTOCOL.md §4.1): the event-stream framing and
 * headers, `id:` lines that let EventSource's own reconnect resume, `Last-Event-ID` winning
 * over `?cursor=`, the `retry:` hint, comment heartbeats, CORS, and the JSON error body.
 */
import { eventually, isEntry, request, type ServerFrame, type TestApp, useServer } from "@pushback/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import { connectSse, openEventSource, parseSse, rawSse } from "./clients.js"
import { notifyMany } from "./helpers.js"

describe("GET /v1/sse", () => {
  const server = useServer({ config: { limits: { heartbeatSeconds: 1 } } })
  let app: TestApp

  beforeAll(async () => {
    app = await server.newApp()
  })

  it("answers an event stream with the headers proxies and browsers need, and CORS", async () => {
    const token = await server.userToken(app, "headers", { register: true })
    const { res, close } = await rawSse(`${server.url}/v1/sse?token=${token}`, () => {}, {
      origin: "http://elsewhere.example"
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers["content-type"]).toBe("text/event-stream")
    expect(res.headers["cache-control"]).toBe("no-cache")
    expect(res.headers["x-accel-buffering"]).toBe("no")
    expect(res.headers["access-control-allow-origin"]).toBe("*")
    close()
  })

  it("frames every frame as one event: event = type, data = the JSON, id = the cursor after it", async () => {
    const token = await server.userToken(app, "framing", { register: true })
    await notifyMany(server, app, "framing", 2)
    const { text, close } = await rawSse(`${server.url}/v1/sse?token=${token}&cursor=1`)
    await eventually(() => parseSse(text()).length >= 2)
    await server.notify(app, { users: ["framing"], content: "multi\nline\r\ncontent" })
    await eventually(() => parseSse(text()).length >= 3)
    close()

    const raw = text()
    const retry = /^retry: (\d+)\n\n/.exec(raw)
    expect(retry).not.toBeNull()
    expect(Number(retry![1])).toBeGreaterThanOrEqual(1000)
    expect(Number(retry![1])).toBeLessThanOrEqual(5000)

    const events = parseSse(raw)
    expect(events.map((e) => [e.event, e.id])).toEqual([
      ["welcome", "1"],
      ["notification", "2"],
      ["notification", "3"]
    ])
    for (const e of events) expect((JSON.parse(e.data) as ServerFrame).type).toBe(e.event)
    const last = JSON.parse(events[2]!.data) as { seq: number; notification: { content: string } }
    expect(last.seq).toBe(3)
    expect(last.notification.content).toBe("multi\nline\r\ncontent")
  })

  it("sends a comment heartbeat at least every heartbeatSeconds", async () => {
    const token = await server.userToken(app, "heartbeat", { register: true })
    const { text, close } = await rawSse(`${server.url}/v1/sse?token=${token}`)
    await eventually(() => (text().match(/^:.*\n\n/gm) ?? []).length >= 2, { timeout: 4000 })
    close()
  })

  it("lets Last-Event-ID win over ?cursor=", async () => {
    const token = await server.userToken(app, "lastid", { register: true })
    await notifyMany(server, app, "lastid", 4)
    const client = await connectSse(`${server.url}/v1/sse?token=${token}&cursor=1`, "3")
    expect(await client.next()).toMatchObject({ type: "welcome", cursor: 3 })
    expect((await client.collect(1, isEntry)).map((f) => f["seq"])).toEqual([4])
    await new Promise((r) => setTimeout(r, 200))
    expect(client.frames.filter(isEntry)).toHaveLength(1)
    await client.close()
  })

  it("refuses a malformed Last-Event-ID with 400 naming the header", async () => {
    const token = await server.userToken(app, "badid", { register: true })
    const res = await request(server.url, "GET", `/v1/sse?token=${token}&cursor=1`, {
      headers: { "last-event-id": "-3" }
    })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ error: { code: "bad_request", details: { field: "Last-Event-ID" } } })
  })

  it("answers bad input with the JSON error body and CORS, and keeps serving", async () => {
    for (const [query, status, code] of [
      ["token=nope", 401, "unauthorized"],
      ["", 401, "unauthorized"],
      ["token=x&cursor=-1", 400, "bad_request"],
      ["token=x&cursor=abc", 400, "bad_request"]
    ] as const) {
      const res = await request(server.url, "GET", `/v1/sse?${query}`, {
        headers: { origin: "http://a.example" }
      })
      expect(res.status).toBe(status)
      expect(res.headers.get("content-type")).toMatch(/^application\/json/)
      expect(res.headers.get("access-control-allow-origin")).toBe("*")
      expect(res.body).toMatchObject({ error: { code } })
    }
    const preflight = await fetch(`${server.url}/v1/sse`, {
      method: "OPTIONS",
      headers: { origin: "http://a.example", "access-control-request-headers": "last-event-id" }
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/Last-Event-ID/)
    expect((await fetch(`${server.url}/v1/status/ping`)).status).toBe(200)
  })

  it("never writes the token to the log", async () => {
    const token = await server.userToken(app, "secretive", { register: true })
    const client = await connectSse(`${server.url}/v1/sse?token=${token}&cursor=abc`)
    await client.ended
    await request(server.url, "GET", `/v1/sse?token=${token}x`)
    expect(server.output()).not.toContain(token)
  })
})

describe("EventSource's own reconnect", () => {
  const server = useServer()
  let app: TestApp

  beforeAll(async () => {
    app = await server.newApp()
  })

  it("resumes with no gap or duplicate across a server restart, even before any entry was seen", async () => {
    const token = await server.userToken(app, "reconnecting", { register: true })
    const frames: Array<ServerFrame> = []
    const source = openEventSource(`${server.url}/v1/sse?token=${token}`)
    for (const type of ["welcome", "notification", "reset"]) {
      source.addEventListener(type, (ev: Event) =>
        frames.push(JSON.parse(String((ev as MessageEvent).data)) as ServerFrame)
      )
    }
    try {
      await eventually(() => frames.length === 1)
      expect(frames[0]).toMatchObject({ type: "welcome", cursor: 0 })
      // The server goes away; entries are stored while the browser waits to reconnect.
      await server.restart()
      await notifyMany(server, app, "reconnecting", 3, "while away")
      await eventually(() => frames.filter(isEntry).length >= 3, { timeout: 15_000 })
      await server.notify(app, { users: ["reconnecting"], content: "after" })
      await eventually(() => frames.filter(isEntry).length >= 4)
      await new Promise((r) => setTimeout(r, 200))
      expect(frames.filter(isEntry).map((f) => f.seq)).toEqual([1, 2, 3, 4])
      expect(frames.filter((f) => f.type === "reset")).toHaveLength(0)
      // The second welcome resumed from the first one's cursor.
      expect(frames.filter((f) => f.type === "welcome").map((f) => f["cursor"])).toEqual([0, 0])
    } finally {
      source.close()
    }
  })
})
