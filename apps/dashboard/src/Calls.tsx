/**
 * An app's recent notify calls, newest first, each with its counts; a call opens to show its
 * recipients' states (delivered, seen, read, email, push), as `GET /v1/apps/{id}/calls/{callId}` says.
 */
import { Fragment, useCallback, useState } from "react"
import { api } from "./api.js"
import { counted, timeOf } from "./format.js"
import { usePoll } from "./usePoll.js"

interface Call {
  id: string
  createdAt: string
  type: string | null
  title: string | null
  recipients: number
  online: number
  delivered: number
  seen: number
  read: number
}
interface CallDetail {
  results: Array<{
    user: string
    notification: string
    deliveredAt: string | null
    seenAt: string | null
    readAt: string | null
    email: string
    push: string
  }>
  push: { queued: number; sent: number; failed: number; skipped: number }
}

const when = timeOf

const Recipients = ({ path }: { path: string }) => {
  const { data } = usePoll(useCallback(() => api<CallDetail>("GET", `${path}?limit=100`), [path]))
  if (data === undefined) return <p>Loading recipients…</p>
  return (
    <table className="inner">
      <caption>
        Recipients (pushes: {data.push.sent} sent, {data.push.queued} queued, {data.push.failed} failed,{" "}
        {data.push.skipped} without a subscription)
      </caption>
      <thead>
        <tr>
          <th scope="col">User</th>
          <th scope="col">Delivered</th>
          <th scope="col">Seen</th>
          <th scope="col">Read</th>
          <th scope="col">Email</th>
          <th scope="col">Push</th>
        </tr>
      </thead>
      <tbody>
        {data.results.map((r) => (
          <tr key={r.notification}>
            <th scope="row">{r.user}</th>
            <td>{when(r.deliveredAt)}</td>
            <td>{when(r.seenAt)}</td>
            <td>{when(r.readAt)}</td>
            <td>{r.email}</td>
            <td>{r.push}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The recent calls of `appId`. */
export const Calls = ({ appId }: { appId: string }) => {
  const base = `/v1/apps/${encodeURIComponent(appId)}/calls`
  const { data } = usePoll(
    useCallback(() => api<{ count: number; results: Array<Call> }>("GET", `${base}?limit=20`), [base])
  )
  const [open, setOpen] = useState<string | undefined>(undefined)
  return (
    <section aria-labelledby="calls-title">
      <h2 id="calls-title">Recent notify calls</h2>
      <div className="scroll">
        <table>
          <caption>
            {data === undefined ? "Loading…" : `${counted(data.count, "call")}, newest first`}
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Title</th>
              <th scope="col">Recipients</th>
              <th scope="col">Online</th>
              <th scope="col">Delivered</th>
              <th scope="col">Seen</th>
              <th scope="col">Read</th>
            </tr>
          </thead>
          <tbody>
            {(data?.results ?? []).map((c) => (
              <Fragment key={c.id}>
                <tr data-call={c.id}>
                  <td>
                    <button
                      type="button"
                      className="link"
                      aria-expanded={open === c.id}
                      onClick={() => setOpen(open === c.id ? undefined : c.id)}
                    >
                      {when(c.createdAt)}
                    </button>
                  </td>
                  <td>{c.title ?? c.type ?? "—"}</td>
                  <td>{c.recipients}</td>
                  <td>{c.online}</td>
                  <td>{c.delivered}</td>
                  <td>{c.seen}</td>
                  <td>{c.read}</td>
                </tr>
                {open === c.id && (
                  // the call's detail spans the row below it, not the narrow "When" cell
                  <tr className="call-detail" data-call-detail={c.id}>
                    <td colSpan={7}>
                      <Recipients path={`${base}/${encodeURIComponent(c.id)}`} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
