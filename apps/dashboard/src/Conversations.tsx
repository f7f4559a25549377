/**
 * An app's conversations (PROTOCOL.md §13): each with its title, members, how many messages it
 * holds and when it was last active, most recently active first, a page at a time. Read through
 * the operator's `/v1/apps/{id}/conversations`, polled like the rest of the page.
 */
import type { ConversationSummaryList } from "@pushback/protocol/types"
import { useCallback, useState } from "react"
import { api } from "./api.js"
import { timeOf } from "./format.js"
import { usePoll } from "./usePoll.js"

const PAGE = 20
/** Members named in a row before the rest are counted. */
const SHOWN_MEMBERS = 5

const dayOf = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" })

/** `7 Dec 00:13:49`: conversations stay for days, so the day is part of it. */
const when = (iso: string): string => `${dayOf.format(new Date(iso))} ${timeOf(iso)}`

/** `ana, bo` or `ana, bo, cy, dee, eve and 3 more`. */
const membersOf = (members: ReadonlyArray<string>): string =>
  members.length <= SHOWN_MEMBERS
    ? members.join(", ")
    : `${members.slice(0, SHOWN_MEMBERS).join(", ")} and ${members.length - SHOWN_MEMBERS} more`

/** The conversations of `appId`. */
export const Conversations = ({ appId }: { appId: string }) => {
  const [offset, setOffset] = useState(0)
  const path = `/v1/apps/${encodeURIComponent(appId)}/conversations?limit=${PAGE}&offset=${offset}`
  const { data, error } = usePoll(useCallback(() => api<ConversationSummaryList>("GET", path), [path]))
  const count = data?.count ?? 0
  return (
    <section aria-labelledby="conversations-title">
      <h2 id="conversations-title">Conversations</h2>
      <div className="scroll">
        <table>
          <caption>
            {error !== undefined
              ? `Conversations: ${error}`
              : count === 0
                ? "No conversations"
                : `Conversations ${offset + 1}–${Math.min(offset + PAGE, count)} of ${count}, most recently active first`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Title</th>
              <th scope="col">Members</th>
              <th scope="col">Messages</th>
              <th scope="col">Last activity</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {(data?.results ?? []).map((c) => (
              <tr key={c.id} data-conversation={c.id}>
                <th scope="row" className="mono">
                  {c.id}
                </th>
                <td>{c.title ?? "—"}</td>
                <td title={c.members.join(", ")}>
                  {c.members.length} · {membersOf(c.members)}
                </td>
                <td>{c.messages.toLocaleString()}</td>
                <td>{when(c.lastActivity)}</td>
                <td>{when(c.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="row" aria-label="Conversations pages">
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
