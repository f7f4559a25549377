/**
 * An app's webhook endpoints (PROTOCOL.md §15): each with whether it is enabled, since when it
 * has only failed, its last status and why the server disabled it; buttons to enable or disable
 * it and to send a `webhook.test`; and its recent attempts (status codes and timings). A new
 * endpoint's secret is shown once. Everything goes through `/v1/apps/{id}/webhooks…`.
 */
import type { CreatedWebhook, Webhook, WebhookAttempt } from "@pushback/protocol/types"
import { type FormEvent, useCallback, useState } from "react"
import { api } from "./api.js"
import { counted, dayTimeOf } from "./format.js"
import { usePoll } from "./usePoll.js"

const when = dayTimeOf

const Attempts = ({ path }: { path: string }) => {
  const { data } = usePoll(
    useCallback(() => api<{ attempts: Array<WebhookAttempt> }>("GET", `${path}/attempts?limit=20`), [path])
  )
  if (data === undefined) return <p>Loading attempts…</p>
  return (
    <table className="inner">
      <caption>Recent attempts</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Time</th>
          <th scope="col">Error</th>
          <th scope="col">Next</th>
        </tr>
      </thead>
      <tbody>
        {data.attempts.map((a) => (
          <tr key={`${a.eventId}-${a.at}`} data-attempt={a.eventId}>
            <td>{when(a.at)}</td>
            <td>
              {a.type} <span className="mono small">{a.eventId}</span>
            </td>
            <td>{a.status ?? "no answer"}</td>
            <td>{a.ms} ms</td>
            <td>{a.error ?? ""}</td>
            <td>{when(a.next)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The webhook endpoints of `appId`. */
export const Webhooks = ({ appId }: { appId: string }) => {
  const base = `/v1/apps/${encodeURIComponent(appId)}/webhooks`
  const { data, error, reload } = usePoll(
    useCallback(() => api<{ webhooks: Array<Webhook> }>("GET", base), [base])
  )
  const [open, setOpen] = useState<string | undefined>(undefined)
  const [fresh, setFresh] = useState<CreatedWebhook | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const act = async (f: () => Promise<unknown>) => {
    try {
      await f()
      setProblem(undefined)
    } catch (e) {
      setProblem((e as Error).message)
    }
    await reload()
  }
  const create = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const form = new FormData(e.currentTarget)
    const events = String(form.get("events") ?? "*")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
    void act(async () => setFresh(await api<CreatedWebhook>("POST", base, { url: form.get("url"), events })))
  }
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      {fresh !== undefined && (
        <div className="secret" role="status">
          <p className="warning">
            Copy the endpoint's signing secret now: this is the only time it is shown.
          </p>
          <label htmlFor="webhook-secret">Signing secret</label>
          <input id="webhook-secret" readOnly value={fresh.secret} onFocus={(e) => e.target.select()} />
          <button type="button" className="quiet" onClick={() => setFresh(undefined)}>
            I have stored it
          </button>
        </div>
      )}
      {(problem ?? error) !== undefined && <p role="alert">{problem ?? error}</p>}
      <div className="scroll">
        <table>
          <caption>{data === undefined ? "Loading…" : counted(data.webhooks.length, "endpoint")}</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Enabled</th>
              <th scope="col">Failing since</th>
              <th scope="col">Last status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(data?.webhooks ?? []).map((w) => (
              <tr key={w.id} data-webhook={w.id}>
                <td>
                  <button
                    type="button"
                    className="link"
                    aria-expanded={open === w.id}
                    onClick={() => setOpen(open === w.id ? undefined : w.id)}
                  >
                    {w.url}
                  </button>
                  {open === w.id && <Attempts path={`${base}/${encodeURIComponent(w.id)}`} />}
                </td>
                <td>{w.events.join(", ")}</td>
                <td>
                  {w.enabled ? "yes" : `no${w.disabledReason === null ? "" : ` (${w.disabledReason})`}`}
                </td>
                <td>{when(w.failingSince)}</td>
                <td>{w.lastStatus ?? "—"}</td>
                <td className="row">
                  <button
                    type="button"
                    onClick={() =>
                      void act(() =>
                        api("PATCH", `${base}/${encodeURIComponent(w.id)}`, { enabled: !w.enabled })
                      )
                    }
                  >
                    {w.enabled ? "Disable" : "Enable"}
                  </button>
                  <button
                    type="button"
                    onClick={() => void act(() => api("POST", `${base}/${encodeURIComponent(w.id)}/test`))}
                  >
                    Send test
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="row" onSubmit={create}>
        <label htmlFor="webhook-url">Endpoint URL</label>
        <input id="webhook-url" name="url" type="url" required placeholder="https://api.example.com/hooks" />
        <label htmlFor="webhook-events">Events</label>
        <input id="webhook-events" name="events" defaultValue="*" />
        <button type="submit">Add endpoint</button>
      </form>
    </section>
  )
}
