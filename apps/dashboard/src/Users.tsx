/**
 * An app's users: searched by id, email or name, a page at a time, each with whether they are
 * online on any node.
 */
import { useCallback, useState } from "react"
import { api } from "./api.js"
import { usePoll } from "./usePoll.js"

const PAGE = 20

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
                <th scope="row">{u.id}</th>
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
