/**
 * An app's users: searched by id, email or name, a page at a time, each with whether they are
 * online on any node; a user opens to show the browsers subscribed to Web Push (PROTOCOL.md §14).
 */
import { useCallback, useState } from "react"
import { api } from "./api.js"
import { dayTimeOf } from "./format.js"
import { usePoll } from "./usePoll.js"

const PAGE = 20

interface PushSubscriptionRow {
  id: string
  endpoint: string
  userAgent: string | null
  createdAt: string
}

/** The Web Push subscriptions of one user (`GET /v1/apps/{id}/users/{userId}/push-subscriptions`). */
const Subscriptions = ({ path }: { path: string }) => {
  const { data } = usePoll(
    useCallback(() => api<{ subscriptions: Array<PushSubscriptionRow> }>("GET", path), [path])
  )
  if (data === undefined) return <p>Loading push subscriptions…</p>
  return (
    <table className="inner">
      <caption>{data.subscriptions.length === 0 ? "No push subscriptions" : "Push subscriptions"}</caption>
      <tbody>
        {data.subscriptions.map((s) => (
          <tr key={s.id}>
            <th scope="row">{new URL(s.endpoint).host}</th>
            <td>{s.userAgent ?? "—"}</td>
            <td>{dayTimeOf(s.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

interface UserRow {
  id: string
  email: string | null
  name: string | null
  createdAt: string
  online: boolean
}

/** The users of `appId`. */
export const Users = ({ appId }: { appId: string }) => {
  const [search, setSearch] = useState("")
  const [offset, setOffset] = useState(0)
  const [open, setOpen] = useState<string | undefined>(undefined)
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) })
  if (search !== "") query.set("search", search)
  const path = `/v1/apps/${encodeURIComponent(appId)}/users?${query.toString()}`
  const { data } = usePoll(
    useCallback(() => api<{ count: number; results: Array<UserRow> }>("GET", path), [path])
  )
  const count = data?.count ?? 0
  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <div className="row">
        <label htmlFor="user-search">Search users</label>
        <input
          id="user-search"
          type="search"
          maxLength={128}
          value={search}
          onChange={(e) => {
            setSearch(e.target.value)
            setOffset(0)
          }}
        />
      </div>
      <div className="scroll">
        <table>
          <caption>
            {count === 0 ? "No users" : `Users ${offset + 1}–${Math.min(offset + PAGE, count)} of ${count}`}
          </caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {(data?.results ?? []).map((u) => (
              <tr key={u.id}>
                <th scope="row">
                  <button
                    type="button"
                    className="link"
                    aria-expanded={open === u.id}
                    onClick={() => setOpen(open === u.id ? undefined : u.id)}
                  >
                    {u.id}
                  </button>
                  {open === u.id && (
                    <Subscriptions
                      path={`/v1/apps/${encodeURIComponent(appId)}/users/${encodeURIComponent(u.id)}/push-subscriptions`}
                    />
                  )}
                </th>
                <td>{u.email ?? "—"}</td>
                <td>{u.name ?? "—"}</td>
                <td>{u.online ? "online" : "offline"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="row" aria-label="Users pages">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
          Previous
        </button>
        <button type="button" disabled={offset + PAGE >= count} onClick={() => setOffset(offset + PAGE)}>
          Next
        </button>
      </nav>
    </section>
  )
}
