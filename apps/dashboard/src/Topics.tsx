/**
 * An app's topics (PROTOCOL.md §11): each with its name, how many users follow it, whether users
 * may follow it themselves, and when it was made; filtered by key prefix, a page at a time.
 * Read through the operator's `/v1/apps/{id}/topics`.
 */
import type { Topic } from "@pushback/protocol/types"
import { useCallback, useState } from "react"
import { api } from "./api.js"
import { dayTimeOf } from "./format.js"
import { usePoll } from "./usePoll.js"

const PAGE = 20

/** The topics of `appId`. */
export const Topics = ({ appId }: { appId: string }) => {
  const [prefix, setPrefix] = useState("")
  const [offset, setOffset] = useState(0)
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) })
  if (prefix !== "") query.set("prefix", prefix)
  const path = `/v1/apps/${encodeURIComponent(appId)}/topics?${query.toString()}`
  const { data } = usePoll(
    useCallback(() => api<{ count: number; results: Array<Topic> }>("GET", path), [path])
  )
  const count = data?.count ?? 0
  return (
    <section aria-labelledby="topics-title">
      <h2 id="topics-title">Topics</h2>
      <div className="row">
        <label htmlFor="topic-prefix">Keys starting with</label>
        <input
          id="topic-prefix"
          type="search"
          maxLength={128}
          value={prefix}
          onChange={(e) => {
            setPrefix(e.target.value)
            setOffset(0)
          }}
        />
      </div>
      <div className="scroll">
        <table>
          <caption>
            {count === 0 ? "No topics" : `Topics ${offset + 1}–${Math.min(offset + PAGE, count)} of ${count}`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Name</th>
              <th scope="col">Subscribers</th>
              <th scope="col">Users may follow</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {(data?.results ?? []).map((t) => (
              <tr key={t.key} data-topic={t.key}>
                <th scope="row" className="mono">
                  {t.key}
                </th>
                <td>{t.name ?? "—"}</td>
                <td>{t.subscribers.toLocaleString()}</td>
                <td>{t.selfSubscribe ? "yes" : "no"}</td>
                <td>{dayTimeOf(t.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="row" aria-label="Topics pages">
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
