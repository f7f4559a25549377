/**
 * One app: its counts, a test notification, charts of its statistics over the last hour, day or
 * 30 days, its live connections (by transport and node) and online users, its users, event
 * types, conversations, recent calls and webhook endpoints. Everything is read again every two seconds (polling, see usePoll.ts).
 */
import { counted, timeOf } from "./format.js"
import { type FormEvent, useCallback, useState } from "react"
import { type AppDetail, api } from "./api.js"
import { Calls } from "./Calls.js"
import { Chart, type Point } from "./Chart.js"
import { Users } from "./Users.js"
import { usePoll } from "./usePoll.js"
import { Topics } from "./Topics.js"
import { Channels } from "./Channels.js"
import { Conversations } from "./Conversations.js"
import { Webhooks } from "./Webhooks.js"

const RANGES = [
  { id: "hour", label: "Last hour", interval: "minute", ms: 3600_000 },
  { id: "day", label: "Last day", interval: "hour", ms: 86400_000 },
  { id: "month", label: "Last 30 days", interval: "day", ms: 30 * 86400_000 }
] as const

interface Connections {
  connections: number
  onlineUsers: number
  byTransport: Record<string, number>
  byNode: Record<string, number>
  results: Array<{ session: string; user: string; transport: string; node: string; since: string }>
}

const TestNotification = ({ path, onSent }: { path: string; onSent: () => void }) => {
  const [user, setUser] = useState("")
  const [title, setTitle] = useState("Test notification")
  const [content, setContent] = useState("Hello from the PushBack dashboard")
  const [result, setResult] = useState("")
  const send = async (e: FormEvent) => {
    e.preventDefault()
    try {
      const answer = await api<{ id: string; recipients: number; online: number }>("POST", `${path}/notify`, {
        users: [user.trim()],
        title,
        content
      })
      setResult(`Sent ${answer.id}: ${answer.recipients} recipient, ${answer.online} online`)
      onSent()
    } catch (err) {
      setResult(`Not sent: ${(err as Error).message}`)
    }
  }
  return (
    <form onSubmit={send} aria-labelledby="test-title" className="card">
      <h2 id="test-title">Send a test notification</h2>
      <label htmlFor="test-user">To user</label>
      <input id="test-user" required maxLength={128} value={user} onChange={(e) => setUser(e.target.value)} />
      <label htmlFor="test-title-input">Title</label>
      <input id="test-title-input" value={title} onChange={(e) => setTitle(e.target.value)} />
      <label htmlFor="test-content">Content</label>
      <input id="test-content" required value={content} onChange={(e) => setContent(e.target.value)} />
      <button type="submit">Send</button>
      <p aria-live="polite" className="status" data-testid="test-result">
        {result}
      </p>
    </form>
  )
}

const Stats = ({ path }: { path: string }) => {
  const [range, setRange] = useState<(typeof RANGES)[number]>(RANGES[0])
  const load = useCallback(() => {
    const now = Date.now()
    const q = new URLSearchParams({
      interval: range.interval,
      from: new Date(now - range.ms).toISOString(),
      to: new Date(now).toISOString()
    })
    return api<{ points: Array<Point> }>("GET", `${path}/stats/series?${q.toString()}`)
  }, [path, range])
  const { data } = usePoll(load)
  return (
    <section aria-labelledby="stats-title">
      <h2 id="stats-title">Statistics</h2>
      <fieldset className="row">
        <legend>Time range</legend>
        {RANGES.map((r) => (
          <button
            type="button"
            key={r.id}
            aria-pressed={r.id === range.id}
            className={r.id === range.id ? "" : "quiet"}
            onClick={() => setRange(r)}
          >
            {r.label}
          </button>
        ))}
      </fieldset>
      <Chart points={data?.points ?? []} label={range.label} />
      <p className="hint">Updated every 2 s by polling the series endpoint.</p>
    </section>
  )
}

const Live = ({ path }: { path: string }) => {
  const { data } = usePoll(useCallback(() => api<Connections>("GET", `${path}/connections`), [path]))
  const users = [...new Set((data?.results ?? []).map((c) => c.user))].sort()
  return (
    <section aria-labelledby="live-title">
      <h2 id="live-title">Live connections</h2>
      <p data-testid="live-summary">
        {data === undefined
          ? "Loading…"
          : `${counted(data.connections, "connection")} (ws ${data.byTransport["ws"] ?? 0}, sse ${data.byTransport["sse"] ?? 0}, poll ${data.byTransport["poll"] ?? 0}) from ${counted(data.onlineUsers, "online user")} on ${counted(Object.keys(data.byNode).length, "node")}`}
      </p>
      <div className="scroll">
        <table>
          <caption>Sessions</caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Transport</th>
              <th scope="col">Node</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {(data?.results ?? []).map((c) => (
              <tr key={c.session}>
                <th scope="row">{c.user}</th>
                <td>{c.transport}</td>
                <td className="mono">{c.node}</td>
                <td>{timeOf(c.since)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Online users</h3>
      <ul className="chips" aria-label="Online users">
        {users.length === 0 ? <li>None</li> : users.map((u) => <li key={u}>{u}</li>)}
      </ul>
    </section>
  )
}

/** The page of the app `appId`. */
export const AppPage = ({ appId }: { appId: string }) => {
  const path = `/v1/apps/${encodeURIComponent(appId)}`
  const { data: app, error, reload } = usePoll(useCallback(() => api<AppDetail>("GET", path), [path]))
  if (error !== undefined && app === undefined) return <p role="alert">{error}</p>
  if (app === undefined) return <p>Loading…</p>
  const c = app.counts
  return (
    <>
      <h1>{app.name}</h1>
      <p className="mono small">{app.id}</p>
      <dl className="counts" data-testid="counts">
        {(
          [
            ["Users", c.users],
            ["Notifications", c.notifications],
            ["Delivered", c.delivered],
            ["Seen", c.seen],
            ["Read", c.read],
            ["Online users", c.onlineUsers],
            ["Connections", c.connections]
          ] as const
        ).map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <div className="grid">
        <TestNotification path={path} onSent={() => void reload()} />
        <Stats path={path} />
      </div>
      <Live path={path} />
      <Users appId={appId} />
      <Topics appId={appId} />
      <Channels appId={appId} />
      <Conversations appId={appId} />
      <section aria-labelledby="types-title">
        <h2 id="types-title">Event types</h2>
        {app.eventTypes.length === 0 ? (
          <p>None declared: any type is accepted.</p>
        ) : (
          <ul>
            {app.eventTypes.map((t) => (
              <li key={t.name}>
                <span className="mono">{t.name}</span> — {t.title}
                {t.description === null ? "" : `: ${t.description}`}
              </li>
            ))}
          </ul>
        )}
      </section>
      <Calls appId={appId} />
      <Webhooks appId={appId} />
    </>
  )
}
