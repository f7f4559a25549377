/**
 * Statistics series (PROTOCOL.md §8): `GET /v1/stats/series` (app secret) and
 * `GET /v1/apps/{appId}/stats/series` (admin) count exactly what happened in each bucket,
 * include empty buckets, refuse bad ranges, and are still exact after a `kill -9`, as is
 * every `deliveredAt`.
 */
import {
  connectWs,
  createApp,
  eventually,
  localToken,
  notify,
  request,
  sleep,
  startServer,
  type TestApp,
  type TestServer,
  useServer
} from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { expectBadField, expectError, expectOk, inbox, type NotificationList } from "./helpers.js"

interface Point {
  t: string
  notifications: number
  delivered: number
  seen: number
  read: number
  emails: number
  emailsFailed: number
  pushes: number
  pushesFailed: number
}
interface Series {
  interval: string
  points: Array<Point>
}

const server = useServer()

const minuteOf = (ms: number) => `${new Date(ms).toISOString().slice(0, 16)}:00.000Z`

const series = async (s: TestServer, app: TestApp, query: string) =>
  expectOk(await request<Series>(s.url, "GET", `/v1/stats/series?${query}`, { token: app.secret }))

/** The current minute's bucket of the app. */
const currentMinute = async (s: TestServer, app: TestApp): Promise<Point> => {
  const { points } = await series(
    s,
    app,
    `interval=minute&from=${new Date(Date.now() - 60_000).toISOString()}`
  )
  return points[points.length - 1]!
}

/** Waits, when the current minute is about to end, until the next one starts (the checks take seconds). */
const awayFromMinuteEnd = async () => {
  const intoMinute = Date.now() % 60_000
  if (intoMinute > 45_000) await sleep(60_000 - intoMinute + 50)
}

/** Notify 5 users of whom 2 are online; one of those reads it. Answers the read user's token. */
const fiveTwoOne = async (s: TestServer, app: TestApp) => {
  const users = ["u1", "u2", "u3", "u4", "u5"]
  const online = await Promise.all(
    ["u1", "u2"].map((u) => connectWs(`${s.wsUrl}/v1/ws?token=${encodeURIComponent(localToken(app, u))}`))
  )
  try {
    for (const ws of online) await ws.next((f) => f.type === "welcome")
    expect(await notify(s, app, { users, content: "hello" })).toMatchObject({ recipients: 5, online: 2 })
    for (const ws of online) await ws.next((f) => f.type === "notification")
  } finally {
    await Promise.all(online.map((ws) => ws.close()))
  }
  const token = localToken(app, "u1")
  const [n] = (await inbox(s.url, token)).results
  expectOk(await request(s.url, "PATCH", `/v1/me/notifications/${n!.id}`, { token, body: { read: true } }))
  return token
}

describe("GET /v1/stats/series", () => {
  it("counts 5 notified, 2 delivered, 1 seen and read in the current bucket, over HTTP", async () => {
    const app = await server.newApp("series-521")
    await awayFromMinuteEnd()
    const started = Date.now()
    await fiveTwoOne(server, app)
    // Deliveries are stored about once a second: wait for them, then check every counter.
    await eventually(async () => (await currentMinute(server, app)).delivered >= 2, {
      what: "deliveries to be counted"
    })
    const point = await currentMinute(server, app)
    expect(point).toEqual({
      t: minuteOf(started),
      notifications: 5,
      delivered: 2,
      seen: 1,
      read: 1,
      emails: 0,
      emailsFailed: 0,
      pushes: 0,
      pushesFailed: 0
    })
    // The same in the hour and day buckets, and through the operator's endpoint.
    const hour = await series(server, app, "interval=hour")
    expect(hour.points).toHaveLength(24)
    expect(hour.points[23]).toMatchObject({ notifications: 5, delivered: 2, seen: 1, read: 1 })
    const day = await series(server, app, "interval=day")
    expect(day.points).toHaveLength(30)
    expect(day.points[29]).toMatchObject({ notifications: 5, delivered: 2, seen: 1, read: 1 })
    const admin = expectOk(
      await request<Series>(server.url, "GET", `/v1/apps/${app.id}/stats/series?interval=hour`, {
        token: server.adminToken
      })
    )
    expect(admin).toEqual(hour)
  })

  it("includes every empty bucket of the range, oldest first", async () => {
    const app = await server.newApp("series-empty")
    const body = await series(
      server,
      app,
      "interval=minute&from=2026-01-01T10:00:30.000Z&to=2026-01-01T10:04:00.000Z"
    )
    expect(body.interval).toBe("minute")
    expect(body.points.map((p) => p.t)).toEqual([0, 1, 2, 3, 4].map((m) => `2026-01-01T10:0${m}:00.000Z`))
    for (const p of body.points) {
      expect(p).toEqual({
        t: p.t,
        notifications: 0,
        delivered: 0,
        seen: 0,
        read: 0,
        emails: 0,
        emailsFailed: 0,
        pushes: 0,
        pushesFailed: 0
      })
    }
    // Defaults: the last hour of minutes, the last day of hours, the last 30 days.
    expect((await series(server, app, "interval=minute")).points).toHaveLength(60)
    expect((await series(server, app, "")).interval).toBe("hour")
  })

  it("refuses bad from, to and interval values and more than 1,000 points with 400", async () => {
    const app = await server.newApp("series-bad")
    const get = (query: string) =>
      request(server.url, "GET", `/v1/stats/series?${query}`, { token: app.secret })
    expectBadField(await get("interval=week"), "interval")
    expectBadField(await get("from=yesterday"), "from")
    expectBadField(await get("to=2026-02-30T00:00:00Z"), "to")
    expectBadField(await get("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"), "from")
    // 1,000 minutes are fine, 1,001 are not.
    expect((await get("interval=minute&from=2026-01-01T00:00:00Z&to=2026-01-01T16:39:00Z")).status).toBe(200)
    expectBadField(await get("interval=minute&from=2026-01-01T00:00:00Z&to=2026-01-01T16:40:00Z"), "from")
    expectBadField(await get("interval=day&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"), "from")
  })

  it("the operator's endpoint needs the admin token and an existing app", async () => {
    const app = await server.newApp("series-admin")
    const path = `/v1/apps/${app.id}/stats/series`
    expectError(await request(server.url, "GET", path, { token: app.secret }), 401, "unauthorized")
    expectError(await request(server.url, "GET", path), 401, "unauthorized")
    expectError(
      await request(server.url, "GET", "/v1/apps/app_nope/stats/series", { token: server.adminToken }),
      404,
      "not_found"
    )
    expectError(
      await request(server.url, "GET", "/v1/stats/series", { token: server.adminToken }),
      401,
      "unauthorized"
    )
  })
})

describe("after kill -9", () => {
  it("the series and every deliveredAt are still exact", async () => {
    let own = await startServer()
    try {
      const app = await createApp(own, "series-kill9")
      const now = Date.now()
      const query = `interval=minute&from=${new Date(now - 300_000).toISOString()}&to=${new Date(now + 300_000).toISOString()}`
      const token = await fiveTwoOne(own, app)
      const total = async (s: TestServer) =>
        (await series(s, app, query)).points.reduce((n, p) => n + p.delivered, 0)
      await eventually(async () => (await total(own)) >= 2, { what: "deliveries" })
      const before = await series(own, app, query)
      const deliveredAt = async (s: TestServer) => {
        const all: Array<string | null | undefined> = []
        for (const u of ["u1", "u2", "u3", "u4", "u5"]) {
          const list = expectOk(
            await request<NotificationList>(s.url, "GET", "/v1/me/notifications", {
              token: localToken(app, u)
            })
          )
          all.push(...list.results.map((n) => n.deliveredAt))
        }
        return all
      }
      const stamps = await deliveredAt(own)
      expect(stamps.filter((at) => at !== null)).toHaveLength(2)
      expect(before.points.reduce((n, p) => n + p.notifications, 0)).toBe(5)
      await own.kill()
      own = await startServer({ dataDir: own.dataDir })
      expect(await series(own, app, query)).toEqual(before)
      expect(await deliveredAt(own)).toEqual(stamps)
      expect((await inbox(own.url, token)).results[0]!.readAt).not.toBeNull()
    } finally {
      await own.dispose()
    }
  })
})
