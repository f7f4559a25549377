/**
 * Storms and leaks (issue 17): 2,000 clients reconnecting at once with their cursors all
 * resume with exactly the entries they missed; connect/close cycles (WebSocket, SSE and
 * long-poll; 20,000 in CI, 80,000 in the soak) leave the server's resident memory and open
 * file descriptors where they were, within a generous bound only a real leak would cross.
 * Both figures are printed.
 */
import { localToken, type ServerFrame, type TestApp, useServer } from "@pushback/testkit"
import { get } from "node:http"
import WebSocket from "ws"
import { beforeAll, expect, it } from "vitest"
import { processStats, report, scaled } from "./support.js"

const CLIENTS = scaled(2000, 10_000)
const USERS = 500
const CYCLES = scaled(20_000, 80_000)

const server = useServer()
let app: TestApp
const users = Array.from({ length: USERS }, (_, i) => `u${i}`)

beforeAll(async () => {
  app = await server.newApp("storms")
  await server.registerUsers(app, users)
})

/** Opens a WebSocket and resolves once `until` says enough frames came; then closes it. */
const session = (url: string, until: (frames: Array<ServerFrame>) => boolean): Promise<Array<ServerFrame>> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const frames: Array<ServerFrame> = []
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error(`timed out with ${JSON.stringify(frames).slice(0, 300)}`))
    }, 60_000)
    ws.on("message", (data) => {
      frames.push(JSON.parse(data.toString()) as ServerFrame)
      if (until(frames)) {
        clearTimeout(timer)
        ws.close()
        resolve(frames)
      }
    })
    ws.on("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
  })

/** Runs `tasks` with at most `width` at a time. */
const pool = async (count: number, width: number, task: (i: number) => Promise<void>) => {
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++)
    })
  )
}

it(
  `resumes ${CLIENTS} clients reconnecting at once, each with exactly what it missed`,
  async () => {
    const tokens = new Map(users.map((u) => [u, encodeURIComponent(localToken(app, u, 3600))]))
    const urlOf = (i: number, cursor?: number) =>
      `${server.wsUrl}/v1/ws?token=${tokens.get(users[i % USERS]!)}${cursor === undefined ? "" : `&cursor=${cursor}`}`
    // Two entries each, seen by some clients before they went away: cursors 0, 1 or 2.
    for (let k = 0; k < 2; k++) await server.notify(app, { content: `seen ${k}` })
    const cursors = Array.from({ length: CLIENTS }, (_, i) => i % 3)
    // Three more while all are away.
    for (let k = 0; k < 3; k++) await server.notify(app, { content: `missed ${k}` })
    // Everyone comes back at the same moment, from its cursor.
    const started = Date.now()
    const resumed = await Promise.all(
      cursors.map((cursor, i) =>
        session(urlOf(i, cursor), (f) => f.filter((x) => x.type === "notification").length >= 5 - cursor)
      )
    )
    const ms = Date.now() - started
    for (const [i, frames] of resumed.entries()) {
      expect(frames[0], `client ${i}`).toMatchObject({ type: "welcome", cursor: cursors[i] })
      const seqs = frames.filter((f) => f.type === "notification").map((f) => f.seq)
      expect(seqs, `client ${i}`).toEqual([1, 2, 3, 4, 5].slice(cursors[i]))
    }
    report("reconnect storm", { clients: CLIENTS, users: USERS, missedEach: "3-5", allResumedMs: ms })
  },
  scaled(120_000, 1_200_000)
)

it(
  `keeps memory and file descriptors flat over ${CYCLES} connect/close cycles on three transports`,
  async () => {
    const token = encodeURIComponent(localToken(app, "u0", 3600))
    const cycle = async (i: number) => {
      const kind = i % 3
      if (kind === 0) await session(`${server.wsUrl}/v1/ws?token=${token}`, (f) => f.length >= 1)
      else {
        const path = kind === 1 ? `/v1/sse?token=${token}` : `/v1/poll?token=${token}`
        // A connection of its own each time (no client keep-alive pool, whose idle connections
        // the server would count as open descriptors): only the server's own leaks show.
        await new Promise<void>((resolve, reject) => {
          const req = get(`${server.url}${path}`, { agent: false }, (res) => {
            if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode}`))
            // The stream is open once its first bytes came; then the client hangs up.
            if (kind === 1)
              res.once("data", () => {
                req.destroy()
                resolve()
              })
            else res.resume().on("end", () => resolve())
          })
          req.on("error", (e) => (kind === 1 ? resolve() : reject(e)))
        })
      }
    }
    await pool(1000, 50, cycle) // warm up: lazy allocations are not leaks
    const pid = server.process.pid!
    const before = processStats(pid)
    await pool(CYCLES, 50, cycle)
    // Let the sockets finish closing before counting descriptors.
    let after = processStats(pid)
    for (let i = 0; i < 50 && after.fds > before.fds + 5; i++) {
      await new Promise((r) => setTimeout(r, 100))
      after = processStats(pid)
    }
    report("connect/close cycles", {
      cycles: CYCLES,
      rssBeforeMiB: (before.rssKiB / 1024).toFixed(1),
      rssAfterMiB: (after.rssKiB / 1024).toFixed(1),
      fdsBefore: before.fds,
      fdsAfter: after.fds
    })
    // Generous: a leak of one descriptor or ~5 KiB per cycle crosses these; noise does not.
    expect(after.fds, "open file descriptors").toBeLessThanOrEqual(before.fds + 10)
    expect(after.rssKiB - before.rssKiB, "resident memory growth (KiB)").toBeLessThan(
      Math.max(96 * 1024, (CYCLES * 5) / 1)
    )
    // Every session is gone from the hub once its client went away.
    const open = async () =>
      (
        await fetch(`${server.url}/v1/users/u0`, { headers: { authorization: `Bearer ${app.secret}` } }).then(
          (r) => r.json() as Promise<{ sessions: number }>
        )
      ).sessions
    let left = await open()
    for (let i = 0; i < 50 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 100))
      left = await open()
    }
    expect(left, "sessions left open 5 s after the last client went away").toBe(0)
  },
  scaled(240_000, 3_600_000)
)
