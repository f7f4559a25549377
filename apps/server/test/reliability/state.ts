/**
 * Everything a request could change in a fuzzed server, read with the right credentials: the
 * apps, the recent notify calls of one, each app's users, event types and statistics, one
 * user's notifications, counts and preferences. Two equal snapshots mean nothing a caller can see changed in between. Who is
 * online and what was delivered are left out: they follow the sessions that come and go (the
 * fuzz opens event streams and polls), not stored data.
 */
import { localToken, request, type TestApp, type TestServer } from "@pushback/testkit"

const LIVE = new Set(["online", "onlineUsers", "connections", "sessions", "delivered", "deliveredAt"])

const withoutLive = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value), (key, v: unknown) => (LIVE.has(key) ? undefined : v))

const read = async (s: TestServer, path: string, token: string): Promise<unknown> => {
  const res = await request(s.url, "GET", path, { token })
  return { status: res.status, body: withoutLive(res.body) }
}

/** The readable state of `app` (user alice) and `other` (user carol) on `s`. */
export const stateOf = async (s: TestServer, app: TestApp, other: TestApp) => {
  const [apps, calls, stats, users, types, list, counts, prefs, otherStats, otherUsers, otherList] =
    await Promise.all([
      read(s, "/v1/apps", s.adminToken),
      read(s, `/v1/apps/${app.id}/calls?limit=100`, s.adminToken),
      read(s, "/v1/stats", app.secret),
      read(s, "/v1/users?limit=100", app.secret),
      read(s, "/v1/event-types", app.secret),
      read(s, "/v1/users/alice/notifications?limit=100", app.secret),
      read(s, "/v1/me/counts", localToken(app, "alice")),
      read(s, "/v1/me/preferences", localToken(app, "alice")),
      read(s, "/v1/stats", other.secret),
      read(s, "/v1/users?limit=100", other.secret),
      read(s, "/v1/users/carol/notifications?limit=100", other.secret)
    ])
  return { apps, calls, stats, users, types, list, counts, prefs, otherStats, otherUsers, otherList }
}
