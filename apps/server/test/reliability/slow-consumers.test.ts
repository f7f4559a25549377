/**
 * Slow consumers (issue 17, PROTOCOL.md §5, §10): several hundred WebSockets that stop reading
 * while healthy ones are fed the same broadcasts. Each stalled session is closed (4008) once
 * `sessionQueueBytes` is queued for it, so the server's memory stays bounded by the cap (plus
 * a fixed allowance; the figures are printed); the healthy clients miss nothing; and a client
 * that resumes reading within the 2 s grace after the close reads the data queued before it,
 * then the 4008 close frame.
 */
import { randomBytes } from "node:crypto"
import { connect, type Socket } from "node:net"
import { localToken, type ServerFrame, type TestApp, useServer } from "@pushback/testkit"
import WebSocket from "ws"
import { beforeAll, expect, it } from "vitest"
import { metric } from "../transports/helpers.js"
import { processStats, report, scaled } from "./support.js"

const SLOW = scaled(300, 1000)
const HEALTHY = 4
const QUEUE = 64 * 1024

const server = useServer({ config: { limits: { sessionQueueBytes: QUEUE } } })
let app: TestApp

beforeAll(async () => {
  app = await server.newApp("slow")
})

/** A socket that completes the WebSocket handshake and then never reads again. */
const stalled = (token: string): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1")
    socket.on("error", () => undefined)
    socket.once("connect", () => {
      socket.write(
        `GET /v1/ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`
      )
      socket.once("data", (head) => {
        if (!head.toString().startsWith("HTTP/1.1 101")) reject(new Error(head.toString().slice(0, 100)))
        socket.pause()
        resolve(socket)
      })
    })
  })

const closedSlow = () => metric(server, "pushback_slow_consumers_closed_total")

it(
  `closes ${SLOW} stalled sessions at the cap while healthy ones miss nothing`,
  async () => {
    const slowUsers = Array.from({ length: SLOW }, (_, i) => `s${i}`)
    const healthyUsers = Array.from({ length: HEALTHY }, (_, i) => `h${i}`)
    await server.registerUsers(app, [...slowUsers, ...healthyUsers, "resumer"])
    const rssBefore = processStats(server.process.pid!).rssKiB
    const sockets: Array<Socket> = []
    for (let i = 0; i < SLOW; i += 50)
      sockets.push(...(await Promise.all(slowUsers.slice(i, i + 50).map((u) => stalled(localToken(app, u))))))
    // Healthy clients record every entry; one more client pauses, to resume later.
    const healthy = await Promise.all(
      healthyUsers.map(
        (u) =>
          new Promise<{ ws: WebSocket; seqs: Array<number> }>((resolve) => {
            const ws = new WebSocket(`${server.wsUrl}/v1/ws?token=${localToken(app, u)}`)
            const seqs: Array<number> = []
            ws.on("message", (d) => {
              const f = JSON.parse(d.toString()) as ServerFrame
              if (f.type === "welcome") resolve({ ws, seqs })
              if ("seq" in f) seqs.push(f.seq)
            })
          })
      )
    )
    const resumer = new WebSocket(`${server.wsUrl}/v1/ws?token=${localToken(app, "resumer")}`)
    const resumerSeqs: Array<number> = []
    const resumerClosed = new Promise<number>((resolve) => resumer.on("close", (code) => resolve(code)))
    await new Promise<void>((resolve) =>
      resumer.on("message", (d) => {
        const f = JSON.parse(d.toString()) as ServerFrame
        if (f.type === "welcome") {
          resumer.pause()
          resolve()
        }
        if ("seq" in f) resumerSeqs.push(f.seq)
      })
    )
    // Broadcast big notifications until every stalled session (and the paused one) is cut off.
    const big = "x".repeat(60_000)
    let sent = 0
    let peakRss = rssBefore
    while ((await closedSlow()) < SLOW + 1 && sent < 400) {
      await Promise.all(Array.from({ length: 4 }, () => server.notify(app, { content: big })))
      sent += 4
      peakRss = Math.max(peakRss, processStats(server.process.pid!).rssKiB)
    }
    expect(await closedSlow()).toBeGreaterThanOrEqual(SLOW + 1)
    // The paused client resumes within the grace: it reads what was queued, then 4008.
    resumer.resume()
    expect(await resumerClosed).toBe(4008)
    expect(resumerSeqs.length).toBeGreaterThan(0)
    expect(resumerSeqs).toEqual(resumerSeqs.map((_, i) => i + 1))
    // Every healthy client got every broadcast, in order.
    for (const h of healthy) {
      for (let i = 0; i < 100 && h.seqs.length < sent; i++) await new Promise((r) => setTimeout(r, 50))
      expect(h.seqs).toEqual(Array.from({ length: sent }, (_, i) => i + 1))
      h.ws.close()
    }
    const growthMiB = (peakRss - rssBefore) / 1024
    report("slow consumers", {
      stalled: SLOW,
      broadcasts: sent,
      closed4008: await closedSlow(),
      rssGrowthPeakMiB: growthMiB.toFixed(1),
      capMiB: ((SLOW * QUEUE) / 1024 / 1024).toFixed(1),
      uncappedMiB: ((sent * big.length * SLOW) / 1024 / 1024).toFixed(0)
    })
    // Bounded by the cap: what the stalled sessions hold (at most the cap each, and less, as their
    // queues share each broadcast's body) plus a fixed allowance for the server's own working
    // memory. Before a broadcast's body was shared, every recipient's frame copied it (string
    // and bytes): 36 MB of garbage per 60 KB broadcast here, a peak of 316–764 MiB.
    const capMiB = (SLOW * QUEUE) / 1024 / 1024
    expect(growthMiB).toBeLessThan(capMiB + 96)
    for (const s of sockets) s.destroy()
  },
  scaled(180_000, 1_800_000)
)
